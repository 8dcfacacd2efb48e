/**
 * A snapshot of one listener's health, as `status(db)` reports it: whether
 * it is connected, how often it reconnected, how far its consumer is behind
 * and whether it stopped reading because of that.
 *
 * ### Examples
 *
 * ```ts
 * const { listeners } = await status(db)
 * for (const l of listeners) if (l.paused) console.warn(`${l.channels.join(',')}: ${l.buffered} waiting, consumer too slow`)
 * ```
 */
export interface ListenerStatus {
  /** A connection is live: LISTEN in place, `onReset` done. `false` while connecting or reconnecting. */
  readonly connected: boolean
  /** How many times the listener reconnected after losing its connection (0 on its first connection). */
  readonly reconnects: number
  /** When `onEvent` was last told of the connection (`connected`, `disconnected`, `reconnected`, `connect-failed`). */
  readonly lastEventAt: Date | undefined
  /** How many notifications arrived since the listener was opened (sample it twice to see it move). */
  readonly received: number
  /** Notifications waiting for `receive`. */
  readonly buffered: number
  /** The listener stopped reading its connection because `maxBuffered` notifications wait (the server holds the rest). */
  readonly paused: boolean
  /** The channels listened to. */
  readonly channels: readonly string[]
}

/** What the link supervisor counts for a {@link ListenerStatus}. */
export interface LinkCounters {
  readonly connected: boolean
  readonly reconnects: number
  readonly lastEventAt: Date | undefined
  readonly received: number
  readonly paused: boolean
}
