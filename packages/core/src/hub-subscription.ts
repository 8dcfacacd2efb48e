import { ClosedError, InvalidArgumentError, LiteormError } from './errors.js'
import { CallbackError, MissedNotificationsError } from './listener-errors.js'
import type { Notification } from './notification.js'
import { NotificationQueue } from './notification-queue.js'
import { reportTo, typedMessage } from './subscription-message.js'
import type { SubscribeOptions, Subscription, SubscriptionReset } from './subscription-types.js'
import type { Channel, Message } from './typed-channel.js'

/** `subscribing`: waiting for LISTEN; `started`: live; `ended`: closed, or ended by its DB closing. */
type SubscriptionState = 'subscribing' | 'started' | 'ended'

/**
 * The {@link Subscription} `subscribe` hands out, on every backend. The
 * subscription hub starts it once its LISTEN is in place, delivers
 * to it, resets it after a reconnection and ends it when the DB closes;
 * users only ever see the `Subscription` interface.
 *
 * ### Examples
 *
 * ```ts
 * const subscription = new HubSubscription(name, spec, options, (s) => hub.remove(s))
 * await hub.add(subscription)
 * ```
 */
export class HubSubscription<T = string> implements Subscription<T> {
  readonly channel: string
  readonly #spec: Channel<T> | undefined
  readonly #options: SubscribeOptions<T>
  readonly #maxBuffered: number
  readonly #queue = new NotificationQueue<Message<T>>({ highWaterMark: Infinity, lowWaterMark: 0 })
  readonly #unsubscribe: (subscription: HubSubscription<T>) => Promise<void>
  /** Resets waiting for `onReset`, run one at a time by {@link Subscription.reset}'s worker. */
  readonly #resets: SubscriptionReset[] = []
  #resetting = false
  #state: SubscriptionState = 'subscribing'
  #closed: Promise<void> | undefined

  constructor(
    channel: string,
    spec: Channel<T> | undefined,
    options: SubscribeOptions<T>,
    unsubscribe: (subscription: HubSubscription<T>) => Promise<void>,
  ) {
    this.channel = channel
    this.#spec = spec
    this.#options = options
    this.#maxBuffered = options.maxBuffered ?? 10_000
    this.#unsubscribe = unsubscribe
    this.#queue.hold() // nothing is delivered before the subscribing reset
  }

  get channels(): readonly string[] {
    return this.#state === 'ended' ? [] : [this.channel]
  }

  /** Messages waiting in its buffer. */
  get buffered(): number {
    return this.#queue.size
  }

  get started(): boolean {
    return this.#state === 'started'
  }

  receive(signal?: AbortSignal): Promise<Message<T>> {
    if (this.#options.handler !== undefined) {
      return Promise.reject(new InvalidArgumentError(`the subscription to ${JSON.stringify(this.channel)} delivers to its handler; subscribe without one to receive()`))
    }
    return this.#queue.receive(signal)
  }

  [Symbol.asyncIterator](): AsyncIterator<Message<T>> {
    return this.#queue.iterator(() => this.receive())
  }

  close(): Promise<void> {
    this.#closed ??= (async () => {
      this.#state = 'ended'
      this.#queue.end(new ClosedError(`the subscription to ${JSON.stringify(this.channel)} was closed`), { discard: true })
      await this.#unsubscribe(this)
    })()
    return this.#closed
  }

  /** LISTEN is in place: run the subscribing reset, then deliver. Ignored unless subscribing. */
  start(): void {
    if (this.#state !== 'subscribing') return
    this.#state = 'started'
    if (this.#options.onReset === undefined) this.#queue.release()
    else this.reset({ reconnected: false, channels: [this.channel], dropped: 0 }) // releases when done
    if (this.#options.handler !== undefined) void this.#pump(this.#options.handler)
  }

  /** The hub's connection is gone for good (its DB closed): pending and later receives reject with `error`. */
  end(error: Error): void {
    this.#state = 'ended'
    this.#queue.end(error, { discard: true })
  }

  /** One notification on this channel. `plain` is the shared untyped message. */
  deliver(notification: Notification, plain: Message<string>): void {
    let message: Message<T>
    if (this.#spec === undefined) {
      message = plain as Message<T>
    } else {
      try {
        message = typedMessage(this.#spec, notification, this.#owner())
      } catch (error) {
        this.#report(error as LiteormError)
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
   * Holds this subscription's deliveries until `onReset` has run for `info`
   * (after any reset already waiting). Without `onReset`, an overflow is
   * reported to `onError` instead.
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
    this.#resets.push(info)
    if (!this.#resetting) void this.#runResets(onReset)
  }

  /** Runs the waiting resets in order, then lets deliveries go. */
  async #runResets(onReset: (info: SubscriptionReset) => void | Promise<void>): Promise<void> {
    this.#resetting = true
    try {
      for (let info = this.#resets.shift(); info !== undefined; info = this.#resets.shift()) {
        if (this.#state === 'ended') continue
        try {
          await onReset(Object.freeze(info))
        } catch (error) {
          this.#report(CallbackError.of('onReset', error, this.#owner()))
        }
      }
    } finally {
      this.#resetting = false
      this.#queue.release()
    }
  }

  /**
   * Hands queued messages to `handler` one at a time, in order: what is
   * already queued synchronously, waiting only for the queue (empty or held
   * by a reset) and for a handler that returns a promise.
   */
  async #pump(handler: (message: Message<T>) => void | Promise<void>): Promise<void> {
    for (;;) {
      let message = this.#queue.tryTake()
      if (message === undefined) {
        try {
          message = await this.#queue.receive()
        } catch {
          return // closed
        }
      }
      const pending = this.#handleBurst(handler, message)
      if (pending === undefined) continue
      try {
        await pending
      } catch (error) {
        this.#report(CallbackError.of('handler', error, this.#owner()))
      }
    }
  }

  /**
   * Runs `handler` on `first`, then on each message queued now, until one
   * returns a thenable, which it returns to be awaited. A method of its own,
   * called once per burst, so that V8 optimizes it like any hot function (a
   * loop inside the once-called async pump would run unoptimized after each
   * await until on-stack replacement kicks in again).
   */
  #handleBurst(handler: (message: Message<T>) => void | Promise<void>, first: Message<T>): PromiseLike<unknown> | undefined {
    for (let message: Message<T> | undefined = first; message !== undefined; message = this.#queue.tryTake()) {
      try {
        const done = handler(message)
        if (isThenable(done)) return done
      } catch (error) {
        this.#report(CallbackError.of('handler', error, this.#owner()))
      }
    }
    return undefined
  }

  #owner(): string {
    return `the subscription to ${JSON.stringify(this.channel)}`
  }

  #report(error: LiteormError): void {
    reportTo(this.#options.onError, error)
  }
}

/** Whether a handler's result is something to wait for (a promise, or any thenable `await` would follow). */
function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value != null && typeof (value as { then?: unknown }).then === 'function'
}
