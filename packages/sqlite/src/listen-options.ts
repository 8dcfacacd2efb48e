import { InvalidArgumentError, type ListenOptions } from '@liteorm/core'

/**
 * Options of `listen` on SQLite: the dialect-neutral `onReset` and
 * `onEvent`, plus how often to look for commits from other processes.
 * PostgreSQL's `reconnect` and `healthCheckMs` are not options here (a
 * listener reads a local file: there is no connection to lose).
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

/** The frozen, checked form of {@link SqliteListenOptions}. Internal. */
export interface ListenerSettings {
  readonly pollIntervalMs: number
  readonly maxBuffered: number
  readonly onReset: ListenOptions['onReset']
  readonly onEvent: ListenOptions['onEvent']
}

const DEFAULT_POLL_INTERVAL_MS = 10
const DEFAULT_MAX_BUFFERED = 10_000

/**
 * Checks `options` and fills in defaults. Throws
 * {@link InvalidArgumentError} naming the bad option.
 *
 * ### Examples
 *
 * ```ts
 * listenerSettings({ pollIntervalMs: 25 }).maxBuffered // 10000
 * ```
 */
export function listenerSettings(options: SqliteListenOptions | undefined): ListenerSettings {
  const o = options ?? {}
  if (typeof o !== 'object' || o === null) throw new InvalidArgumentError(`listen options must be an object, got ${o === null ? 'null' : typeof o}`)
  const pollIntervalMs = o.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS
  if (typeof pollIntervalMs !== 'number' || !Number.isFinite(pollIntervalMs) || pollIntervalMs < 1 || pollIntervalMs > 2 ** 31 - 1) {
    throw new InvalidArgumentError(`pollIntervalMs must be a number of milliseconds from 1 to 2147483647, got ${String(pollIntervalMs)}`)
  }
  const maxBuffered = o.maxBuffered ?? DEFAULT_MAX_BUFFERED
  if (typeof maxBuffered !== 'number' || !Number.isInteger(maxBuffered) || maxBuffered < 1) {
    throw new InvalidArgumentError(`maxBuffered must be a whole number, 1 or more, got ${String(maxBuffered)}`)
  }
  for (const name of ['onReset', 'onEvent'] as const) {
    if (o[name] !== undefined && typeof o[name] !== 'function') {
      throw new InvalidArgumentError(`${name} must be a function, got ${typeof o[name]}`)
    }
  }
  return Object.freeze({ pollIntervalMs, maxBuffered, onReset: o.onReset, onEvent: o.onEvent })
}
