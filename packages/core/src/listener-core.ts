import { ChannelSet } from './channel-set.js'
import { AcknowledgingConsumer } from './acknowledging-consumer.js'
import { ClosedError, ConnectionError, InvalidArgumentError, LiteormError } from './errors.js'
import { LinkSupervisor } from './link-supervisor.js'
import { probeLive } from './live-probe.js'
import type { Listener } from './listener.js'
import type { ListenerStatus } from './listener-status.js'
import type { ListenerLink, ListenerTransport } from './listener-link.js'
import type { ListenerSettings } from './listener-settings.js'
import type { Notification } from './notification.js'
import { NotificationQueue } from './notification-queue.js'
import { assertValidChannel } from './notify-limits.js'

/** Something closed when its owner (a DB) closes. */
export interface Closeable {
  close(): Promise<void>
}

/** What {@link ListenerCore.open} needs. */
export interface ListenerCoreInit {
  /** How to open a link: the backend's part. */
  readonly transport: ListenerTransport
  /** The channels to LISTEN to first, checked and distinct (`channelList`). */
  readonly channels: readonly string[]
  readonly settings: ListenerSettings
  /** Where the listener stays registered while open, so that closing its DB closes it. */
  readonly registry?: Set<Closeable>
}

/**
 * The one listener both backends hand out, whatever the transport: the
 * channel set and its checks, the queue with backpressure, `receive` and
 * async iteration, `onReset`/`onEvent`, reconnecting with backoff, health
 * checks, and `close` in every state. A backend supplies only a
 * {@link ListenerTransport}; see `docs/listener-links.md`.
 *
 * ### Examples
 *
 * ```ts
 * const listener = await ListenerCore.open({ transport, channels: ['jobs'], settings, registry: context.resources })
 * const n = await listener.receive(AbortSignal.timeout(5000))
 * await listener.close()
 * ```
 */
export class ListenerCore implements Listener {
  readonly #transport: ListenerTransport
  readonly #settings: ListenerSettings
  readonly #channels: ChannelSet
  readonly #queue: NotificationQueue
  readonly #supervisor: LinkSupervisor
  readonly #registry: Set<Closeable> | undefined
  /** Set when the transport acknowledges consumed notifications (at-least-once delivery). */
  readonly #acknowledging: AcknowledgingConsumer | undefined
  readonly #closing = new AbortController()
  #failure: ConnectionError | undefined
  #closed: Promise<void> | undefined

  private constructor({ transport, channels, settings, registry }: ListenerCoreInit) {
    this.#transport = transport
    this.#settings = settings
    this.#registry = registry
    this.#channels = new ChannelSet(channels)
    this.#queue = new NotificationQueue({
      highWaterMark: settings.maxBuffered,
      lowWaterMark: Math.floor(settings.maxBuffered / 2),
      onHighWater: () => this.#supervisor.setPaused(true),
      onLowWater: () => this.#supervisor.setPaused(false),
    })
    this.#supervisor = new LinkSupervisor({
      transport,
      settings,
      channels: this.#channels,
      queue: this.#queue,
      closing: this.#closing.signal,
      closedError: closedListenerError,
      fail: (error) => this.#fail(error),
    })
    this.#acknowledging = transport.acknowledge === undefined ? undefined : new AcknowledgingConsumer(this.#queue, (count) => transport.acknowledge!(count))
  }

  /**
   * Opens a listener: registers it, opens the first link, LISTENs, runs the
   * first `onReset`, and resolves once notifications flow. Rejects (having
   * released everything) with why the first link failed: `ConnectionError`,
   * a `CallbackError` when `onReset` threw, `ClosedError` when it was closed
   * meanwhile (its DB closing).
   *
   * ### Examples
   *
   * ```ts
   * const listener = await ListenerCore.open({ transport, channels, settings })
   * ```
   */
  static async open(init: ListenerCoreInit): Promise<ListenerCore> {
    const listener = new ListenerCore(init)
    init.registry?.add(listener)
    try {
      await listener.#supervisor.connect(false)
    } catch (error) {
      await listener.close()
      throw error
    }
    return listener
  }

  get channels(): readonly string[] {
    return this.#channels.list()
  }

  /** A snapshot of the listener's health (see {@link ListenerStatus}); read-only, no I/O. */
  get status(): ListenerStatus {
    return { ...this.#supervisor.counters, buffered: this.#queue.size, channels: this.channels }
  }

  /**
   * Resolves with the next notification, in arrival order; while the
   * listener reconnects it waits. Aborting `signal` rejects this call only,
   * with the signal's reason; an already-aborted signal consumes nothing.
   * Rejects with `ClosedError` after `close()`, and with `ConnectionError`
   * once the link is lost when reconnecting is off.
   *
   * ### Examples
   *
   * ```ts
   * const n = await listener.receive(AbortSignal.timeout(1000))
   * ```
   */
  receive(signal?: AbortSignal): Promise<Notification> {
    if (this.#acknowledging !== undefined) return this.#acknowledging.receive(signal)
    return this.#queue.receive(signal)
  }

  /**
   * The next notification when one is queued and deliverable now, else
   * `undefined`; never waits, never throws. For backend code that drains a
   * burst without a promise per notification (the subscription hub).
   *
   * ### Examples
   *
   * ```ts
   * for (let n = listener.tryReceive(); n !== undefined; n = listener.tryReceive()) dispatch(n)
   * ```
   */
  tryReceive(): Notification | undefined {
    return this.#queue.tryTake()
  }

  [Symbol.asyncIterator](): AsyncIterator<Notification> {
    if (this.#acknowledging !== undefined) return this.#acknowledging.iterator()
    return this.#queue.iterator()
  }

  /**
   * Adds `channel`, waiting for the acknowledgement when connected (while
   * reconnecting, the next link LISTENs to it). Rejects with
   * `InvalidArgumentError` for an invalid name or one already listened to.
   *
   * ### Examples
   *
   * ```ts
   * await listener.listen('Audit')   // exact and case-sensitive
   * ```
   */
  async listen(channel: string): Promise<void> {
    assertValidChannel(channel)
    this.#assertUsable()
    if (this.#channels.has(channel)) {
      throw new InvalidArgumentError(`already listening to channel ${JSON.stringify(channel)}: listen() each channel once`)
    }
    this.#channels.add(channel)
    await this.#command((link) => link.listen(channel), () => this.#channels.delete(channel))
  }

  /**
   * Removes `channel`; what was sent on it before is still delivered, nothing
   * after. Rejects with `InvalidArgumentError` when it is not listened to.
   *
   * ### Examples
   *
   * ```ts
   * await listener.unlisten('jobs')
   * ```
   */
  async unlisten(channel: string): Promise<void> {
    assertValidChannel(channel)
    this.#assertUsable()
    if (!this.#channels.delete(channel)) {
      throw new InvalidArgumentError(`not listening to channel ${JSON.stringify(channel)}: nothing to unlisten (channels: ${JSON.stringify(this.channels)})`)
    }
    await this.#command((link) => link.unlisten(channel), () => this.#channels.restore([channel]))
  }

  /**
   * Removes every channel. Rejects with `ClosedError` after `close()`.
   *
   * ### Examples
   *
   * ```ts
   * await listener.unlistenAll()
   * listener.channels // []
   * ```
   */
  async unlistenAll(): Promise<void> {
    this.#assertUsable()
    const before = this.#channels.clear()
    await this.#command((link) => link.unlistenAll(), () => this.#channels.restore(before))
  }

  /**
   * A round trip on the listener's link. Rejects with `ConnectionError`
   * while disconnected or when no answer comes in time, with `ClosedError`
   * after `close()`.
   *
   * ### Examples
   *
   * ```ts
   * await listener.ping()
   * ```
   */
  async ping(): Promise<void> {
    this.#assertUsable()
    await probeLive(this.#supervisor, this.#settings, this.#transport.target, this.#closing.signal, 'ping')
  }

  /**
   * Asks the transport which channels this listener's link listens to
   * (PostgreSQL's `pg_listening_channels()`), for diagnostics: it should
   * equal `channels`. Rejects like {@link ListenerCore.ping}.
   *
   * ### Examples
   *
   * ```ts
   * console.log(await listener.listeningOnServer()) // ['jobs', 'Audit']
   * ```
   */
  async listeningOnServer(): Promise<string[]> {
    this.#assertUsable()
    const server = await probeLive(this.#supervisor, this.#settings, this.#transport.target, this.#closing.signal, 'listeningOnServer')
    return server === undefined ? this.channels.slice() : [...server]
  }

  /**
   * Stops listening: pending and later `receive` calls reject with
   * `ClosedError`, queued notifications are dropped, and the link is
   * released (reusable after unlistening when it is live; destroyed
   * otherwise). Idempotent, and prompt in every state: during a backoff
   * sleep or a connect attempt it resolves at once.
   *
   * ### Examples
   *
   * ```ts
   * await Promise.all([listener.close(), listener.close()])
   * ```
   */
  close(): Promise<void> {
    this.#closed ??= this.#shutdown()
    return this.#closed
  }

  async #shutdown(): Promise<void> {
    const error = closedListenerError()
    this.#closing.abort(error)
    this.#registry?.delete(this)
    this.#queue.end(error, { discard: true })
    this.#channels.clear()
    await this.#supervisor.stop()
  }

  #fail(error: ConnectionError): void {
    this.#failure = error
    this.#registry?.delete(this)
    this.#queue.end(error, { discard: false })
  }

  /** Runs a LISTEN/UNLISTEN on the link that takes commands; without one, the next link applies the set. */
  async #command(run: (link: ListenerLink) => Promise<void>, undo: () => void): Promise<void> {
    const link = this.#supervisor.commandable
    if (link === undefined) return
    try {
      await run(link)
    } catch (error) {
      const mapped = error instanceof LiteormError ? error : this.#supervisor.asConnectionError(error)
      if (mapped instanceof ConnectionError) return this.#supervisor.linkFailed(link, mapped)
      if (link !== this.#supervisor.commandable) return // lost meanwhile: the next link applies the set
      undo()
      throw mapped
    }
  }

  #assertUsable(): void {
    if (this.#closing.signal.aborted) throw closedListenerError()
    if (this.#failure !== undefined) throw this.#failure
  }
}

function closedListenerError(): ClosedError {
  return new ClosedError('the listener was closed: open a new one with listen()')
}
