/** What {@link open} accepts besides a file name. */
export interface OpenOptions {
  /** The database file, created if missing (unless `fileMustExist`), or `':memory:'`. */
  readonly filename: string
  /**
   * How long a statement waits for another connection's lock before it fails
   * with `BusyError` (SQLite's `busy_timeout`). Default 5000 ms. The wait
   * blocks the thread: better-sqlite3 is synchronous.
   */
  readonly busyTimeoutMs?: number
  /** Open read-only: writes (and `notify`) fail. Default `false`. */
  readonly readonly?: boolean
  /** Fail with `ConnectionError` instead of creating a missing file. Default `false`. */
  readonly fileMustExist?: boolean
  /**
   * How long rows of the notifications table are kept for listeners in other
   * processes to read. Default 60 000 ms; `notify` prunes older rows at most
   * once a second.
   */
  readonly notificationRetentionMs?: number
}
