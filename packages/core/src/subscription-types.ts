import type { LiteormError } from './errors.js'
import type { ResetInfo } from './listener.js'
import type { Message } from './typed-channel.js'

/** What a subscription's `onReset` learns. */
export interface SubscriptionReset extends ResetInfo {
  /**
   * How many notifications this subscription dropped because its buffer was
   * full; 0 when the reset comes from subscribing or reconnecting.
   */
  readonly dropped: number
}

/** Options of `subscribe`. */
export interface SubscribeOptions<T> {
  /**
   * Called with each message, one at a time per subscription (the next waits
   * for the previous to settle). Without it, read the subscription as a
   * stream with `receive()` or `for await`.
   */
  readonly handler?: (message: Message<T>) => void | Promise<void>
  /**
   * Awaited before any later message of this subscription, always after its
   * LISTEN is in place on the server: once when subscribing
   * (`reconnected: false`; during an outage, once the shared connection is
   * back), after every later reconnection (`reconnected: true`), and after
   * its buffer overflowed (`dropped > 0`). Read here what may have been
   * missed. Other subscriptions are not held up.
   */
  readonly onReset?: (info: SubscriptionReset) => void | Promise<void>
  /**
   * Told of what went wrong for this subscription without ending it: a
   * handler or `onReset` that threw, a payload a typed channel could not
   * parse (`InvalidPayloadError`, with the raw text), an overflow without an
   * `onReset`. Default: `console.error`.
   */
  readonly onError?: (error: LiteormError) => void
  /**
   * Messages held for this subscription before it is considered overflowed:
   * its queue is dropped and a reset reported (never a silent gap), so one
   * slow subscriber never holds up another. Default 10 000.
   */
  readonly maxBuffered?: number
}

/**
 * One subscriber's view of a channel on the DB's shared subscription
 * connection, made by `subscribe` (the same on every backend): deliveries
 * go to its handler, or to `receive()` / `for await` (the `Listener`
 * shape). `close()` unsubscribes.
 *
 * ### Examples
 *
 * ```ts
 * const sub = await subscribe(db, 'jobs')
 * for await (const m of sub) console.log(m.value)
 * ```
 */
export interface Subscription<T = string> extends AsyncIterable<Message<T>> {
  /** The channel subscribed to. */
  readonly channel: string
  /** The one channel of this subscription as a list (the `Listener` shape); `[]` once it ended. */
  readonly channels: readonly string[]
  /** Whether it is live: subscribed, and neither closed nor ended by its DB closing. */
  readonly started: boolean
  /**
   * Resolves with the next message of a stream subscription, in arrival
   * order. Aborting `signal` rejects this call only. Rejects with
   * `ClosedError` once closed (or its DB closed), and with
   * `InvalidArgumentError` on a subscription that has a handler.
   */
  receive(signal?: AbortSignal): Promise<Message<T>>
  /**
   * Unsubscribes: pending `receive` calls reject with `ClosedError`, queued
   * messages are dropped, and when it was the channel's last subscriber the
   * shared connection UNLISTENs it. Idempotent.
   */
  close(): Promise<void>
}

/** What `subscriptionStatus` reports. */
export interface SubscriptionStatus {
  /** Live subscriptions. */
  readonly subscribers: number
  /** Channels with at least one subscriber. */
  readonly channels: readonly string[]
  /** What the server says the shared connection listens to; `[]` when there is none. */
  readonly serverChannels: readonly string[]
}
