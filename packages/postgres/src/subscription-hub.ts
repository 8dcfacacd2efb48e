import { ClosedError, type Message, type Notification } from '@liteorm/core'
import { openListener } from './listen.js'
import type { DBResource, PostgresContext } from './postgres-context.js'
import type { PostgresListener } from './postgres-listener.js'
import type { PostgresSubscription } from './subscription.js'

/** What `subscriptionStatus(db)` reports. */
export interface SubscriptionStatus {
  /** Live subscriptions. */
  readonly subscribers: number
  /** Channels with at least one subscriber. */
  readonly channels: readonly string[]
  /** What the server says the shared connection listens to; `[]` when there is none. */
  readonly serverChannels: readonly string[]
}

/**
 * A DB's subscriptions on one shared connection: LISTEN on a channel's first
 * subscriber, UNLISTEN on its last; the connection is taken with the first
 * subscriber and released with the last. Notifications are dispatched to
 * each subscription's own buffer, so one slow subscriber holds up nobody.
 *
 * Changes to the LISTEN set are applied by one worker, in order; callers
 * wait for it, but no lock is held across I/O.
 *
 * ### Examples
 *
 * ```ts
 * const hub = SubscriptionHub.of(context)
 * await hub.add(subscription)
 * ```
 */
export class SubscriptionHub implements DBResource {
  readonly #context: PostgresContext
  readonly #subscribers = new Map<string, Set<PostgresSubscription<unknown>>>()
  #listener: PostgresListener | undefined
  #sync: Promise<void> | undefined
  #requested = 0
  #applied = 0
  #closed = false

  private constructor(context: PostgresContext) {
    this.#context = context
  }

  /** The hub of a DB, made on first use. */
  static of(context: PostgresContext): SubscriptionHub {
    context.hub ??= new SubscriptionHub(context)
    return context.hub as SubscriptionHub
  }

  /** Subscribes: resolves once LISTEN for its channel is in place on the server. */
  async add(subscription: PostgresSubscription<unknown>): Promise<void> {
    if (this.#closed || this.#context.closedError !== undefined) throw this.#context.closedError ?? new ClosedError('the DB was closed')
    const channel = subscription.channel
    let set = this.#subscribers.get(channel)
    if (set === undefined) {
      set = new Set()
      this.#subscribers.set(channel, set)
    }
    set.add(subscription)
    this.#context.resources.add(this)
    try {
      await this.#synchronise()
    } catch (error) {
      this.#forget(subscription)
      void this.#synchronise().catch(() => undefined)
      throw error
    }
    subscription.start()
  }

  /** Unsubscribes: resolves once the LISTEN set no longer needs its channel (or still does, for others). */
  async remove(subscription: PostgresSubscription<unknown>): Promise<void> {
    if (!this.#forget(subscription) || this.#closed) return
    await this.#synchronise().catch(() => undefined) // a lost connection re-LISTENs only what is wanted
  }

  /** Live subscriptions, channels, and what the server says the connection listens to. */
  async status(): Promise<SubscriptionStatus> {
    let subscribers = 0
    for (const set of this.#subscribers.values()) subscribers += set.size
    const listener = this.#listener
    return {
      subscribers,
      channels: [...this.#subscribers.keys()],
      serverChannels: listener === undefined ? [] : await listener.listeningOnServer(),
    }
  }

  /** Ends every subscription with `ClosedError` and releases the connection (the DB is closing). */
  async close(): Promise<void> {
    this.#closed = true
    this.#context.resources.delete(this)
    const error = this.#context.closedError ?? new ClosedError('the DB was closed')
    for (const set of this.#subscribers.values()) for (const s of set) s.end(error)
    this.#subscribers.clear()
    const listener = this.#listener
    this.#listener = undefined
    await listener?.close()
  }

  #forget(subscription: PostgresSubscription<unknown>): boolean {
    const set = this.#subscribers.get(subscription.channel)
    if (set === undefined || !set.delete(subscription)) return false
    if (set.size === 0) this.#subscribers.delete(subscription.channel)
    return true
  }

  /** Resolves once every change requested so far is applied to the server. */
  #synchronise(): Promise<void> {
    this.#requested++
    this.#sync ??= this.#applyAll()
    return this.#sync
  }

  async #applyAll(): Promise<void> {
    await null // never settle synchronously: #synchronise must store this promise first
    try {
      while (this.#applied < this.#requested && !this.#closed) {
        const target = this.#requested
        await this.#applyOnce()
        this.#applied = target
      }
    } finally {
      this.#sync = undefined
    }
  }

  /** Makes the server's LISTEN set equal the channels with subscribers. */
  async #applyOnce(): Promise<void> {
    const wanted = [...this.#subscribers.keys()]
    const listener = this.#listener
    if (wanted.length === 0) {
      this.#listener = undefined
      this.#context.resources.delete(this)
      await listener?.close()
      return
    }
    if (listener === undefined) {
      const opened = await openListener(this.#context, wanted, { onReset: ({ reconnected }) => this.#resetAll(reconnected) })
      if (this.#closed) return void (await opened.close())
      this.#listener = opened
      void this.#pump(opened)
      return
    }
    for (const channel of listener.channels) {
      if (!this.#subscribers.has(channel)) await listener.unlisten(channel)
    }
    const listened = new Set(listener.channels)
    for (const channel of this.#subscribers.keys()) {
      if (!listened.has(channel)) await listener.listen(channel)
    }
  }

  /** After a reconnection, every live subscription gets its reset before its later messages. */
  #resetAll(reconnected: boolean): void {
    if (!reconnected) return // new subscriptions run their own subscribing reset
    for (const [channel, set] of this.#subscribers) {
      for (const s of set) if (s.started) s.reset({ reconnected: true, channels: [channel], dropped: 0 })
    }
  }

  async #pump(listener: PostgresListener): Promise<void> {
    try {
      for await (const n of listener) this.#dispatch(n)
    } catch (error) {
      for (const set of this.#subscribers.values()) for (const s of set) s.end(error as Error)
    }
  }

  #dispatch(n: Notification): void {
    const set = this.#subscribers.get(n.channel)
    if (set === undefined) return
    const plain: Message<string> = Object.freeze({ channel: n.channel, payload: n.payload, pid: n.pid, value: n.payload })
    for (const s of set) s.deliver(n, plain)
  }
}
