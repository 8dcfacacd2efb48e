import {
  CallbackError,
  ClosedError,
  InvalidArgumentError,
  LiteormError,
  type Channel,
  type Message,
  type Notification,
  type SubscriptionReset,
  type Subscription,
} from '@liteorm/core'
import { plainMessage, reportTo, typedMessage } from '@liteorm/core/backend'
import { openListener } from './open-listener.js'
import type { PostgresContext } from './postgres-context.js'
import type { PostgresListener } from './postgres-listener.js'
import type { PostgresSubscribeOptions } from './subscribe-options.js'

/**
 * A subscription of a durable logical consumer (`subscribe(db, ch, { durable })`):
 * a listener of its own on the slot `liteorm_<durable>`, not the DB's shared
 * one, so that each message is acknowledged only once this subscription is
 * done with it: its handler's promise resolved (or threw, which goes to
 * `onError`), or, read as a stream, the next message asked for. After a
 * crash, what was not acknowledged comes again (deduplicate with
 * `message.position`). A slow consumer is never overflowed: the listener
 * stops reading and the slot keeps the rest.
 *
 * ### Examples
 *
 * ```ts
 * const billing = await DurableSubscription.open(context, 'orders', undefined, { handler, durable: 'billing' })
 * await billing.close()
 * ```
 */
export class DurableSubscription<T = string> implements Subscription<T> {
  readonly channel: string
  readonly #context: PostgresContext
  readonly #spec: Channel<T> | undefined
  readonly #options: PostgresSubscribeOptions<T>
  #listener!: PostgresListener
  #closed: Promise<void> | undefined

  private constructor(context: PostgresContext, channel: string, spec: Channel<T> | undefined, options: PostgresSubscribeOptions<T>) {
    this.#context = context
    this.channel = channel
    this.#spec = spec
    this.#options = options
  }

  /**
   * Opens the subscription's listener on the durable slot and, with a
   * handler, starts handing it messages one at a time. Rejects as `listen`
   * does (`InvalidArgumentError` for a bad name or a DB not opened with
   * `notifications: 'logical'`, `ConnectionError`, `ClosedError`).
   *
   * ### Examples
   *
   * ```ts
   * const s = await DurableSubscription.open(context, 'orders', undefined, { durable: 'billing' })
   * ```
   */
  static async open<T>(context: PostgresContext, channel: string, spec: Channel<T> | undefined, options: PostgresSubscribeOptions<T> & { durable: string }): Promise<DurableSubscription<T>> {
    const subscription = new DurableSubscription(context, channel, spec, options)
    subscription.#listener = await openListener(context, [channel], {
      durable: options.durable,
      maxBuffered: options.maxBuffered,
      onReset: (info) => subscription.#reset({ ...info, channels: [channel], dropped: 0 }),
    })
    if (options.handler !== undefined) void subscription.#pump(options.handler)
    return subscription
  }

  get channels(): readonly string[] {
    return this.started ? [this.channel] : []
  }

  get started(): boolean {
    return this.#closed === undefined && this.#context.closedError === undefined
  }

  async receive(signal?: AbortSignal): Promise<Message<T>> {
    if (this.#options.handler !== undefined) {
      throw new InvalidArgumentError(`the subscription to ${JSON.stringify(this.channel)} delivers to its handler; subscribe without one to receive()`)
    }
    for (;;) {
      const message = this.#message(await this.#listener.receive(signal))
      if (message !== undefined) return message
    }
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Message<T>> {
    try {
      for (;;) yield await this.receive()
    } catch (error) {
      if (!(error instanceof ClosedError)) throw error
    }
  }

  close(): Promise<void> {
    this.#closed ??= this.#listener.close()
    return this.#closed
  }

  /** Hands each message to `handler`; asking the listener for the next one acknowledges the one handled. */
  async #pump(handler: (message: Message<T>) => void | Promise<void>): Promise<void> {
    try {
      for await (const n of this.#listener) {
        const message = this.#message(n)
        if (message === undefined) continue
        try {
          await handler(message)
        } catch (error) {
          this.#report(CallbackError.of('handler', error, this.#owner()))
        }
      }
    } catch (error) {
      if (!(error instanceof ClosedError)) this.#report(error instanceof LiteormError ? error : CallbackError.of('listener', error, this.#owner()))
    }
  }

  /** The message for `n`, or `undefined` (reported to `onError`) when a typed channel cannot parse its payload. */
  #message(n: Notification): Message<T> | undefined {
    if (this.#spec === undefined) return plainMessage(n) as Message<T>
    try {
      return typedMessage(this.#spec, n, this.#owner())
    } catch (error) {
      this.#report(error as LiteormError)
      return undefined
    }
  }

  async #reset(info: SubscriptionReset): Promise<void> {
    try {
      await this.#options.onReset?.(Object.freeze(info))
    } catch (error) {
      this.#report(CallbackError.of('onReset', error, this.#owner()))
    }
  }

  #owner(): string {
    return `the durable subscription ${JSON.stringify(this.#options.durable)} to ${JSON.stringify(this.channel)}`
  }

  #report(error: LiteormError): void {
    reportTo(this.#options.onError, error)
  }
}
