import { InvalidArgumentError, type ListenOptions } from '@liteorm/core'

/**
 * Options of `listen` on PostgreSQL: the dialect-neutral `onReset` and
 * `onEvent`, plus how the listener lives across faults.
 */
export interface PostgresListenOptions extends ListenOptions {
  /**
   * Reconnect after connection loss, with exponential backoff and jitter
   * between `minDelayMs` (default 100) and `maxDelayMs` (default 10 000).
   * The first attempt after a loss is immediate. Default on; `false` makes
   * connection loss final: `receive` then rejects with `ConnectionError`.
   */
  readonly reconnect?: boolean | { readonly minDelayMs?: number; readonly maxDelayMs?: number }
  /**
   * Every `healthCheckMs` (default 10 000), a round trip checks that the
   * connection answers and that the server's LISTEN set is ours; a connection
   * that does not answer within `healthCheckMs` is treated as lost, so a
   * half-open one is found within 2 × healthCheckMs. `false` turns it off.
   */
  readonly healthCheckMs?: number | false
  /**
   * How many notifications may wait for `receive` before the listener stops
   * reading from the socket (PostgreSQL holds the rest, nothing is dropped).
   * Default 10 000.
   */
  readonly maxBuffered?: number
}

/** The frozen, checked form of {@link PostgresListenOptions}. Internal. */
export interface ListenerSettings {
  readonly reconnect: { readonly minDelayMs: number; readonly maxDelayMs: number } | false
  readonly healthCheckMs: number
  readonly maxBuffered: number
  readonly connectTimeoutMs: number
  readonly onReset: ListenOptions['onReset']
  readonly onEvent: ListenOptions['onEvent']
}

/**
 * Checks `options` and fills in defaults; `poolConnectTimeoutMs` is the
 * pool's own connect timeout. Throws {@link InvalidArgumentError} naming the
 * bad option.
 *
 * ### Examples
 *
 * ```ts
 * listenerSettings({ reconnect: { minDelayMs: 50 } }, 10_000).reconnect // { minDelayMs: 50, maxDelayMs: 10000 }
 * ```
 */
export function listenerSettings(options: PostgresListenOptions | undefined, poolConnectTimeoutMs: number): ListenerSettings {
  const o = options ?? {}
  if (typeof o !== 'object') throw new InvalidArgumentError(`listen options must be an object, got ${typeof o}`)
  let reconnect: ListenerSettings['reconnect'] = false
  if (o.reconnect !== false) {
    const r = typeof o.reconnect === 'object' && o.reconnect !== null ? o.reconnect : {}
    const minDelayMs = positive(r.minDelayMs ?? 100, 'reconnect.minDelayMs')
    const maxDelayMs = positive(r.maxDelayMs ?? Math.max(10_000, minDelayMs), 'reconnect.maxDelayMs')
    if (maxDelayMs < minDelayMs) {
      throw new InvalidArgumentError(`reconnect.maxDelayMs (${maxDelayMs}) must not be below reconnect.minDelayMs (${minDelayMs})`)
    }
    reconnect = Object.freeze({ minDelayMs, maxDelayMs })
  }
  const healthCheckMs = o.healthCheckMs === false ? 0 : positive(o.healthCheckMs ?? 10_000, 'healthCheckMs')
  const maxBuffered = positive(o.maxBuffered ?? 10_000, 'maxBuffered')
  for (const name of ['onReset', 'onEvent'] as const) {
    if (o[name] !== undefined && typeof o[name] !== 'function') {
      throw new InvalidArgumentError(`${name} must be a function, got ${typeof o[name]}`)
    }
  }
  const connectTimeoutMs = healthCheckMs > 0 ? Math.min(poolConnectTimeoutMs, Math.max(2 * healthCheckMs, 1000)) : poolConnectTimeoutMs
  return Object.freeze({ reconnect, healthCheckMs, maxBuffered, connectTimeoutMs, onReset: o.onReset, onEvent: o.onEvent })
}

function positive(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new InvalidArgumentError(`${name} must be a positive number of milliseconds (or count), got ${String(value)}`)
  }
  return value
}
