import type { ListenOptions } from '@liteorm/core'

/**
 * Options of `listen` on SQLite: the dialect-neutral `onReset` and
 * `onEvent`, plus how often to look for commits from other processes.
 * PostgreSQL's `reconnect` and `healthCheckMs` are not options here: a
 * listener reads a local file, and when its reads fail it reopens the file
 * with core's default backoff (100 ms doubling up to 10 s).
 */
export interface SqliteListenOptions extends ListenOptions {
  /**
   * How often (default 10 ms) the listener's own connection checks
   * `PRAGMA data_version` for commits by other connections (other processes,
   * other threads), reading the new notifications when it changed. Commits
   * from this process wake the listener at once, whatever this is. Not used
   * on `:memory:`.
   */
  readonly pollIntervalMs?: number
  /**
   * How many notifications may wait for `receive` before the listener stops
   * reading the notifications table (which holds the rest, for the
   * retention time of the notifier). Default 10 000.
   */
  readonly maxBuffered?: number
}
