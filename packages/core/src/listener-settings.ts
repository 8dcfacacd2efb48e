import { InvalidArgumentError } from './errors.js'
import type { ListenerEvent, ListenOptions } from './listener.js'

/** The options every backend's `listen` takes besides `onReset` and `onEvent`. */
export interface BufferedListenOptions extends ListenOptions {
  /** How many notifications may wait for `receive` before the link is paused. */
  readonly maxBuffered?: number
}

/** How a listener reconnects: backoff bounds for `backoffDelay`. */
export interface ReconnectSettings {
  readonly minDelayMs: number
  readonly maxDelayMs: number
}

/** What a backend decides about its transport's timing. */
export interface TransportSettings {
  /** Backoff between reconnect attempts, or `false`: a lost link ends the listener. */
  readonly reconnect: ReconnectSettings | false
  /** Every so often a probe must answer within this; 0 turns health checks off. */
  readonly healthCheckMs: number
  /** How long one connect attempt (open, LISTEN) may take. */
  readonly connectTimeoutMs: number
}

/** The frozen, checked settings of one listener core. */
export interface ListenerSettings extends TransportSettings {
  readonly maxBuffered: number
  readonly onReset: ListenOptions['onReset']
  readonly onEvent: ListenOptions['onEvent']
}

/** The reconnect backoff when a backend has no option for it (100 ms doubling up to 10 s). */
export const DEFAULT_RECONNECT: ReconnectSettings = Object.freeze({ minDelayMs: 100, maxDelayMs: 10_000 })

const DEFAULT_MAX_BUFFERED = 10_000

/**
 * Checks a `listen` options object and fills in defaults: `transport`
 * reads the backend's own options from it (after the object itself is
 * checked); `maxBuffered`, `onReset` and `onEvent` are checked here, the
 * same way for every backend. Throws {@link InvalidArgumentError} naming
 * the bad option.
 *
 * ### Examples
 *
 * ```ts
 * const settings = listenerSettings(options, () => ({ reconnect: DEFAULT_RECONNECT, healthCheckMs: 0, connectTimeoutMs: 10_000 }))
 * settings.maxBuffered // 10000
 * ```
 */
export function listenerSettings<O extends BufferedListenOptions>(options: O | undefined, transport: (options: O) => TransportSettings): ListenerSettings {
  const o = options ?? ({} as O)
  if (typeof o !== 'object' || o === null) {
    throw new InvalidArgumentError(`listen options must be an object, got ${o === null ? 'null' : typeof o}`)
  }
  const timing = transport(o)
  const maxBuffered = o.maxBuffered ?? DEFAULT_MAX_BUFFERED
  if (typeof maxBuffered !== 'number' || !Number.isInteger(maxBuffered) || maxBuffered < 1) {
    throw new InvalidArgumentError(`maxBuffered must be a whole number, 1 or more, got ${String(maxBuffered)}`)
  }
  for (const name of ['onReset', 'onEvent'] as const) {
    if (o[name] !== undefined && typeof o[name] !== 'function') {
      throw new InvalidArgumentError(`${name} must be a function, got ${typeof o[name]}`)
    }
  }
  return Object.freeze({
    reconnect: timing.reconnect,
    healthCheckMs: timing.healthCheckMs,
    connectTimeoutMs: timing.connectTimeoutMs,
    maxBuffered,
    onReset: o.onReset,
    onEvent: o.onEvent,
  })
}

/**
 * Tells `onEvent` of `event`; what it throws is ignored (it observes, and
 * must not break delivery). Never fails.
 *
 * ### Examples
 *
 * ```ts
 * emitEvent(settings.onEvent, { type: 'connected' })
 * ```
 */
export function emitEvent(onEvent: ListenOptions['onEvent'], event: ListenerEvent): void {
  try {
    onEvent?.(event)
  } catch {
    // onEvent is an observer; its failures must not break delivery.
  }
}
