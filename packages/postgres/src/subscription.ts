import {
  CallbackError,
  ClosedError,
  InvalidArgumentError,
  LiteormError,
  MissedNotificationsError,
  type Channel,
  type Message,
  type Notification,
  type ResetInfo,
} from '@liteorm/core'
import { NotificationQueue } from '@liteorm/core/backend'

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
   * Awaited before any later message of this subscription: once LISTEN is in
   * place when subscribing (`reconnected: false`), after every reconnection
   * (`reconnected: true`), and after its buffer overflowed (`dropped > 0`).
   * Read here what may have been missed. Other subscriptions are not held up.
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
 * connection. Made by `subscribe`; deliveries go to its handler, or to
 * `receive()` / `for await`. `close()` unsubscribes.
 *
 * ### Examples
 *
 * ```ts
 * const sub = await subscribe(db, 'jobs')
 * for await (const m of sub) console.log(m.value)
 * ```
 */
export class PostgresSubscription<T = string> implements AsyncIterable<Message<T>> {
  /** The channel subscribed to. */
  readonly channel: string
  readonly #spec: Channel<T> | undefined
  readonly #options: SubscribeOptions<T>
  readonly #maxBuffered: number
  readonly #queue = new NotificationQueue<Message<T>>({ highWaterMark: Infinity, lowWaterMark: 0 })
  readonly #unsubscribe: (subscription: PostgresSubscription<T>) => Promise<void>
  #pendingResets = 0
  #resets: Promise<void> = Promise.resolve()
  #started = false
  #closed: Promise<void> | undefined

  constructor(
    channel: string,
    spec: Channel<T> | undefined,
    options: SubscribeOptions<T>,
    unsubscribe: (subscription: PostgresSubscription<T>) => Promise<void>,
  ) {
    this.channel = channel
    this.#spec = spec
    this.#options = options
    this.#maxBuffered = options.maxBuffered ?? 10_000
    this.#unsubscribe = unsubscribe
    this.#queue.hold() // nothing is delivered before the subscribing reset
  }

  /** The one channel of this subscription, as a list (the `Listener` shape). */
  get channels(): readonly string[] {
    return this.#closed === undefined ? [this.channel] : []
  }

  /** Whether the subscription is live (subscribed and not closed). */
  get started(): boolean {
    return this.#started && this.#closed === undefined
  }

  /**
   * Resolves with the next message of a stream subscription, in arrival
   * order. Aborting `signal` rejects this call only. Rejects with
   * `ClosedError` once closed, and with `InvalidArgumentError` on a
   * subscription that has a handler.
   *
   * ### Examples
   *
   * ```ts
   * const m = await sub.receive(AbortSignal.timeout(1000))
   * ```
   */
  receive(signal?: AbortSignal): Promise<Message<T>> {
    if (this.#options.handler !== undefined) {
      return Promise.reject(new InvalidArgumentError(`the subscription to ${JSON.stringify(this.channel)} delivers to its handler; subscribe without one to receive()`))
    }
    return this.#queue.receive(signal)
  }

  [Symbol.asyncIterator](): AsyncIterator<Message<T>> {
    return this.#queue.iterator(() => this.receive())
  }

  /**
   * Unsubscribes: pending `receive` calls reject with `ClosedError`, queued
   * messages are dropped, and when it was the channel's last subscriber the
   * shared connection UNLISTENs it. Idempotent.
   *
   * ### Examples
   *
   * ```ts
   * await sub.close()
   * ```
   */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      this.#queue.end(new ClosedError(`the subscription to ${JSON.stringify(this.channel)} was closed`), { discard: true })
      await this.#unsubscribe(this)
    })()
    return this.#closed
  }

  /** Internal: LISTEN is in place; run the subscribing reset, then deliver. */
  start(): void {
    this.#started = true
    if (this.#options.onReset === undefined) this.#queue.release()
    else this.reset({ reconnected: false, channels: [this.channel], dropped: 0 }) // releases when done
    if (this.#options.handler !== undefined) void this.#pump(this.#options.handler)
  }

  /** Internal: the hub's connection is gone for good (DB closed). */
  end(error: Error): void {
    this.#queue.end(error, { discard: true })
  }

  /** Internal: one notification on this channel. `plain` is the shared untyped message. */
  deliver(notification: Notification, plain: Message<string>): void {
    let message: Message<T>
    if (this.#spec === undefined) {
      message = plain as Message<T>
    } else {
      try {
        message = Object.freeze({ ...notification, value: this.#spec.parse(notification.payload) })
      } catch (error) {
        this.#report(error instanceof LiteormError ? error : CallbackError.of('parse', error, this.#owner()))
        return
      }
    }
    if (this.#queue.size >= this.#maxBuffered) {
      const dropped = this.#queue.clear()
      this.reset({ reconnected: false, channels: [this.channel], dropped })
    }
    this.#queue.push(message)
  }

  /**
   * Internal: holds this subscription's deliveries until `onReset` has run
   * for `info` (after any reset already running). Without `onReset`, an
   * overflow is reported to `onError` instead.
   */
  reset(info: SubscriptionReset): void {
    const onReset = this.#options.onReset
    if (onReset === undefined) {
      if (info.dropped > 0) {
        this.#report(
          new MissedNotificationsError(
            `the subscription to ${JSON.stringify(this.channel)} fell ${this.#maxBuffered} messages behind and dropped ${info.dropped}: ` +
              'consume faster, raise maxBuffered, or pass onReset to re-read what was missed',
            { code: 'OVERFLOW', dropped: info.dropped },
          ),
        )
      }
      return
    }
    this.#queue.hold()
    this.#pendingResets++
    this.#resets = this.#resets.then(async () => {
      try {
        if (this.#closed === undefined) await onReset(Object.freeze(info))
      } catch (error) {
        this.#report(CallbackError.of('onReset', error, this.#owner()))
      } finally {
        if (--this.#pendingResets === 0) this.#queue.release()
      }
    })
  }

  async #pump(handler: (message: Message<T>) => void | Promise<void>): Promise<void> {
    for (;;) {
      let message: Message<T>
      try {
        message = await this.#queue.receive()
      } catch {
        return // closed
      }
      try {
        await handler(message)
      } catch (error) {
        this.#report(CallbackError.of('handler', error, this.#owner()))
      }
    }
  }

  #owner(): string {
    return `the subscription to ${JSON.stringify(this.channel)}`
  }

  #report(error: LiteormError): void {
    try {
      ;(this.#options.onError ?? reportToConsole)(error)
    } catch {
      // onError itself failed: nothing more to tell anyone.
    }
  }
}

function reportToConsole(error: LiteormError): void {
  console.error(`liteorm subscription: ${error.message}`)
}
