/**
 * One notification, as a listener receives it. A frozen plain value: no
 * driver type leaks through it.
 */
export interface Notification {
  /** The channel it was sent on, exactly as the sender spelled it. */
  readonly channel: string
  /** The payload; `''` when the sender gave none. */
  readonly payload: string
  /**
   * The process id of the sending backend (PostgreSQL) or process (SQLite);
   * `0` on PostgreSQL's logical transport, whose WAL records do not carry it.
   */
  readonly pid: number
  /**
   * Where the notification sits in the transport's stream, for transports
   * that have one: the LSN of the logical message (`'0/1764460'`) on
   * PostgreSQL's `notifications: 'logical'` transport, unique per message,
   * so a consumer of a durable listener can drop a repeat. Absent on NOTIFY
   * and SQLite.
   */
  readonly position?: string
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

/**
 * Makes a frozen {@link Notification} that carries its position in the
 * transport's stream (a logical message's LSN). Never fails.
 *
 * ### Examples
 *
 * ```ts
 * const n = createPositionedNotification('jobs', '{"id":1}', 0, '0/1764460')
 * n.position // '0/1764460'
 * ```
 */
export function createPositionedNotification(channel: string, payload: string, pid: number, position: string): Notification {
  return Object.freeze({ channel, payload, pid, position })
}
