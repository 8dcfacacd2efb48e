/**
 * One notification, as a listener receives it. A frozen plain value: no
 * driver type leaks through it.
 */
export interface Notification {
  /** The channel it was sent on, exactly as the sender spelled it. */
  readonly channel: string
  /** The payload; `''` when the sender gave none. */
  readonly payload: string
  /** The process id of the sending backend (PostgreSQL) or process (SQLite). */
  readonly pid: number
}

/**
 * Makes a frozen {@link Notification}. Backends call it for every
 * notification they deliver; it never fails.
 *
 * ### Examples
 *
 * ```ts
 * const n = createNotification('jobs', '{"id":1}', 4242)
 * Object.isFrozen(n) // true
 * ```
 */
export function createNotification(channel: string, payload: string, pid: number): Notification {
  return Object.freeze({ channel, payload, pid })
}
