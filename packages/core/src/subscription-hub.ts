import { ClosedError } from './errors.js'
import type { HubSubscription } from './hub-subscription.js'
import { SerialSync } from './serial-sync.js'
import { plainMessage } from './subscription-message.js'
import type { Listener, ListenOptions, ResetInfo } from './listener.js'
import type { Closeable } from './listener-core.js'
import type { Notification } from './notification.js'
import type { SubscriptionStatus } from './subscription-types.js'

/** The listener a hub runs its subscriptions on: a `Listener` that can also say what the server listens to. */
export interface HubListener extends Listener {
  /** What the transport says the link listens to (PostgreSQL's `pg_listening_channels()`). */
  listeningOnServer(): Promise<readonly string[]>
  /**
   * The next notification when one is ready now, else `undefined` (a
   * `ListenerCore` has it): the hub drains a burst with it instead of
   * awaiting each notification.
   */
  tryReceive?(): Notification | undefined
}

/** What a backend gives its DB's {@link SubscriptionHub}. */
export interface HubBackend {
  /** Opens the shared listener on `channels`, registered with the DB (the backend's `listen`, arguments already checked). */
  openListener(channels: readonly string[], options: ListenOptions): Promise<HubListener>
  /** Where the hub stays registered while it holds a listener, so that closing the DB closes it. */
  readonly registry: Set<Closeable>
  /** The DB's `ClosedError` once it is closed, else `undefined`. */
  closedError(): ClosedError | undefined
}

/**
 * What {@link SubscriptionHub.snapshot} reports.
 *
 * ### Examples
 *
 * ```ts
 * const { subscribers, buffered } = hub.snapshot
 * ```
 */
export interface HubSnapshot {
  readonly subscribers: number
  readonly channels: readonly string[]
  /** Messages waiting in the subscriptions' own buffers. */
  readonly buffered: number
  /** The shared listener, while there is one. */
  readonly listener: HubListener | undefined
}

/** Each DB's hub, made on its first `subscribe`, keyed by the backend's per-DB context. */
const hubs = new WeakMap<object, SubscriptionHub>()

/** A subscription whose LISTEN was asked for while the shared connection was down: started by the next reset. */
interface Waiting {
  readonly resolve: () => void
  readonly reject: (error: Error) => void
}

/**
 * A DB's subscriptions on one shared connection: LISTEN on a channel's first
 * subscriber, UNLISTEN on its last; the connection is taken with the first
 * subscriber and released with the last. Notifications are dispatched to
 * each subscription's own buffer, so one slow subscriber holds up nobody.
 * A subscription starts (and gets its subscribing reset) only once its
 * LISTEN is in place on the server: during an outage, when the connection
 * is back.
 *
 * Changes to the LISTEN set are applied by one worker, in order; callers
 * wait for it, but no lock is held across I/O.
 *
 * ### Examples
 *
 * ```ts
 * const hub = SubscriptionHub.of(context, () => backendOf(context))
 * await hub.add(subscription)
 * ```
 */
export class SubscriptionHub implements Closeable {
  readonly #backend: HubBackend
  readonly #subscribers = new Map<string, Set<HubSubscription<unknown>>>()
  readonly #waiting = new Map<HubSubscription<unknown>, Waiting>()
  #listener: HubListener | undefined
  /** The last channel dispatched and its subscribers: a burst on one channel looks the set up once. Forgotten when a channel's set goes. */
  #routeChannel: string | undefined
  #routeSet: Set<HubSubscription<unknown>> | undefined
  /** LISTEN is in place on the shared connection: between its reset and its next loss. */
  #connected = false
  /** Makes the server's LISTEN set follow the subscribers, one change at a time. */
  readonly #sync = new SerialSync(() => this.#applyOnce(), () => this.#closed)
  #closed = false

  private constructor(backend: HubBackend) {
    this.#backend = backend
  }

  /**
   * The hub of the DB whose backend context is `key`, made with
   * `backend()` on first use.
   *
   * ### Examples
   *
   * ```ts
   * const hub = SubscriptionHub.of(context, () => ({ openListener, registry: context.resources, closedError: () => context.closedError }))
   * ```
   */
  static of(key: object, backend: () => HubBackend): SubscriptionHub {
    let hub = hubs.get(key)
    if (hub === undefined) hubs.set(key, (hub = new SubscriptionHub(backend())))
    return hub
  }

  /**
   * Subscribes: resolves once LISTEN for its channel is in place on the
   * server and the subscription started. Rejects with `ClosedError` when
   * the DB closes first, with `ConnectionError` when the shared connection
   * cannot be made.
   */
  async add(subscription: HubSubscription<unknown>): Promise<void> {
    this.#assertOpen()
    const channel = subscription.channel
    let set = this.#subscribers.get(channel)
    if (set === undefined) this.#subscribers.set(channel, (set = new Set()))
    set.add(subscription)
    this.#backend.registry.add(this)
    try {
      await this.#sync.request()
      this.#assertOpen() // the DB closed meanwhile: the subscription was ended with it
    } catch (error) {
      this.#forget(subscription)
      if (!this.#closed) void this.#sync.request().catch(() => undefined)
      throw error
    }
    if (this.#connected) return subscription.start()
    await new Promise<void>((resolve, reject) => this.#waiting.set(subscription, { resolve, reject }))
  }

  /** Unsubscribes: resolves once the LISTEN set no longer needs its channel (or still does, for others). */
  async remove(subscription: HubSubscription<unknown>): Promise<void> {
    if (!this.#forget(subscription) || this.#closed) return
    await this.#sync.request().catch(() => undefined) // a lost connection re-LISTENs only what is wanted
  }

  /** Live subscriptions, channels, and what the server says the connection listens to. Rejects with `ClosedError` once the DB closed. */
  async status(): Promise<SubscriptionStatus> {
    this.#assertOpen()
    let subscribers = 0
    for (const set of this.#subscribers.values()) subscribers += set.size
    const listener = this.#listener
    return {
      subscribers,
      channels: [...this.#subscribers.keys()],
      serverChannels: listener === undefined ? [] : await listener.listeningOnServer(),
    }
  }

  /**
   * What the hub holds right now, without I/O: live subscriptions, their
   * channels, the messages waiting in their buffers, and the shared
   * listener (none while no channel has a subscriber), for `status(db)`.
   */
  get snapshot(): HubSnapshot {
    let subscribers = 0
    let buffered = 0
    for (const set of this.#subscribers.values()) {
      subscribers += set.size
      for (const s of set) buffered += s.buffered
    }
    return { subscribers, channels: [...this.#subscribers.keys()], buffered, listener: this.#listener }
  }

  /** Ends every subscription with `ClosedError` and releases the connection (the DB is closing). */
  async close(): Promise<void> {
    this.#closed = true
    this.#connected = false
    this.#backend.registry.delete(this)
    const error = this.#closedError()
    for (const set of this.#subscribers.values()) for (const s of set) s.end(error)
    this.#subscribers.clear()
    this.#routeChannel = undefined
    for (const waiting of this.#waiting.values()) waiting.reject(error)
    this.#waiting.clear()
    const listener = this.#listener
    this.#listener = undefined
    await listener?.close()
  }

  #forget(subscription: HubSubscription<unknown>): boolean {
    const set = this.#subscribers.get(subscription.channel)
    if (set === undefined || !set.delete(subscription)) return false
    if (set.size === 0) {
      this.#subscribers.delete(subscription.channel)
      this.#routeChannel = undefined
    }
    return true
  }

  /** Makes the server's LISTEN set equal the channels with subscribers. */
  async #applyOnce(): Promise<void> {
    const wanted = [...this.#subscribers.keys()]
    const listener = this.#listener
    if (wanted.length === 0) {
      this.#listener = undefined
      this.#connected = false
      this.#backend.registry.delete(this)
      await listener?.close()
      return
    }
    if (listener === undefined) {
      const opened = await this.#backend.openListener(wanted, {
        onReset: (info) => this.#reset(info),
        onEvent: (e) => {
          if (e.type === 'disconnected') this.#connected = false
        },
      })
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

  /**
   * LISTEN is in place on a (new) connection: after a reconnection every
   * live subscription gets its reset before its later messages, and those
   * that subscribed while the connection was down start now.
   */
  #reset({ reconnected, channels }: ResetInfo): void {
    if (this.#closed) return
    this.#connected = true
    if (reconnected) {
      for (const [channel, set] of this.#subscribers) {
        for (const s of set) if (s.started) s.reset({ reconnected: true, channels: [channel], dropped: 0 })
      }
    }
    for (const [subscription, waiting] of this.#waiting) {
      if (!channels.includes(subscription.channel)) continue
      this.#waiting.delete(subscription)
      subscription.start()
      waiting.resolve()
    }
  }

  /** Dispatches what the listener delivers: a burst already queued goes out synchronously, one await per burst, not per notification. */
  async #pump(listener: HubListener): Promise<void> {
    try {
      for (;;) this.#dispatchBurst(listener, await listener.receive())
    } catch (error) {
      if (error instanceof ClosedError) return // closed: its subscriptions are ended by whoever closed it
      for (const set of this.#subscribers.values()) for (const s of set) s.end(error as Error)
      for (const [subscription, waiting] of this.#waiting) {
        this.#waiting.delete(subscription)
        waiting.reject(error as Error) // a subscribe() still waiting for its LISTEN must not wait forever
      }
    }
  }

  /**
   * Dispatches `first` and whatever else is queued now. A method of its own,
   * called once per burst: V8 optimizes it like any hot function, where the
   * loop inside a once-called async function (the pump) would run
   * unoptimized after each await until on-stack replacement kicks in again.
   */
  #dispatchBurst(listener: HubListener, first: Notification): void {
    let n: Notification | undefined = first
    do this.#dispatch(n)
    while ((n = listener.tryReceive?.()) !== undefined)
  }

  #dispatch(n: Notification): void {
    let set = this.#routeSet
    if (n.channel !== this.#routeChannel || set === undefined) {
      set = this.#subscribers.get(n.channel)
      if (set === undefined) return
      this.#routeChannel = n.channel
      this.#routeSet = set
    }
    const plain = plainMessage(n)
    for (const s of set) s.deliver(n, plain)
  }

  #assertOpen(): void {
    if (this.#closed || this.#backend.closedError() !== undefined) throw this.#closedError()
  }

  #closedError(): ClosedError {
    return this.#backend.closedError() ?? new ClosedError('the DB was closed: open a new one with open()')
  }
}
