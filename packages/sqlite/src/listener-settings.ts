import { InvalidArgumentError } from '@liteorm/core'
import { DEFAULT_RECONNECT, listenerSettings, type ListenerSettings } from '@liteorm/core/backend'
import type { SqliteListenOptions } from './listen-options.js'

const DEFAULT_POLL_INTERVAL_MS = 10

/** A file's reads are synchronous: this only bounds a ping. */
const PING_TIMEOUT_MS = 10_000

/**
 * Checks SQLite's `listen` options and fills in defaults: the core's
 * settings (no health checks; reconnecting, that is reopening the file,
 * with the default backoff) and how often to poll. Throws
 * {@link InvalidArgumentError} naming the bad option.
 *
 * ### Examples
 *
 * ```ts
 * sqliteListenerSettings({ pollIntervalMs: 25 }).settings.maxBuffered // 10000
 * ```
 */
export function sqliteListenerSettings(options: SqliteListenOptions | undefined): { settings: ListenerSettings; pollIntervalMs: number } {
  let pollIntervalMs = DEFAULT_POLL_INTERVAL_MS
  const settings = listenerSettings(options, (o) => {
    pollIntervalMs = o.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS
    if (typeof pollIntervalMs !== 'number' || !Number.isFinite(pollIntervalMs) || pollIntervalMs < 1 || pollIntervalMs > 2 ** 31 - 1) {
      throw new InvalidArgumentError(`pollIntervalMs must be a number of milliseconds from 1 to 2147483647, got ${String(pollIntervalMs)}`)
    }
    return { reconnect: DEFAULT_RECONNECT, healthCheckMs: 0, connectTimeoutMs: PING_TIMEOUT_MS }
  })
  return { settings, pollIntervalMs }
}
