import { InvalidArgumentError } from '@liteorm/core'
import { DEFAULT_RECONNECT, listenerSettings, type ListenerSettings, type ReconnectSettings } from '@liteorm/core/backend'
import type { PostgresListenOptions } from './listen-options.js'

/**
 * Checks PostgreSQL's `listen` options and fills in defaults;
 * `poolConnectTimeoutMs` is the pool's own connect timeout, which also
 * bounds a connect attempt (LISTEN included). Throws
 * {@link InvalidArgumentError} naming the bad option.
 *
 * ### Examples
 *
 * ```ts
 * postgresListenerSettings({ reconnect: { minDelayMs: 50 } }, 10_000).reconnect // { minDelayMs: 50, maxDelayMs: 10000 }
 * ```
 */
export function postgresListenerSettings(options: PostgresListenOptions | undefined, poolConnectTimeoutMs: number): ListenerSettings {
  return listenerSettings(options, (o) => {
    let reconnect: ReconnectSettings | false = false
    if (o.reconnect !== false) {
      const r = typeof o.reconnect === 'object' && o.reconnect !== null ? o.reconnect : {}
      const minDelayMs = positive(r.minDelayMs ?? DEFAULT_RECONNECT.minDelayMs, 'reconnect.minDelayMs')
      const maxDelayMs = positive(r.maxDelayMs ?? Math.max(DEFAULT_RECONNECT.maxDelayMs, minDelayMs), 'reconnect.maxDelayMs')
      if (maxDelayMs < minDelayMs) {
        throw new InvalidArgumentError(`reconnect.maxDelayMs (${maxDelayMs}) must not be below reconnect.minDelayMs (${minDelayMs})`)
      }
      reconnect = Object.freeze({ minDelayMs, maxDelayMs })
    }
    const healthCheckMs = o.healthCheckMs === false ? 0 : positive(o.healthCheckMs ?? 10_000, 'healthCheckMs')
    const connectTimeoutMs = healthCheckMs > 0 ? Math.min(poolConnectTimeoutMs, Math.max(2 * healthCheckMs, 1000)) : poolConnectTimeoutMs
    return { reconnect, healthCheckMs, connectTimeoutMs }
  })
}

function positive(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new InvalidArgumentError(`${name} must be a positive number of milliseconds, got ${String(value)}`)
  }
  return value
}
