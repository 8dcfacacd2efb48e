import {
  CallbackError,
  ClosedError,
  ConnectionError,
  InvalidArgumentError,
  LiteormError,
  type Listener,
  type ListenerEvent,
  type Notification,
  type ResetInfo,
} from '@liteorm/core'
import { assertValidChannel, backoffDelay, createNotification, NotificationQueue, sleep } from '@liteorm/core/backend'
import type { EventEmitter } from 'node:events'
import type { Socket } from 'node:net'
import pg from 'pg'
import { withDeadline } from './deadline.js'
import { tapNotifications } from './notification-tap.js'
import type { ListenerSettings } from './listen-options.js'
import type { PostgresContext } from './postgres-context.js'

/** How long `close()` waits for `UNLISTEN *` before it destroys the connection instead. */
const UNLISTEN_ON_CLOSE_MS = 1000

const LISTENING_CHANNELS = 'select pg_listening_channels() as channel'

/** One checked-out connection and what we know of it. */
interface Link {
  readonly client: pg.PoolClient
  /** LISTEN is in place and `onReset` has run: notifications flow. */
  ready: boolean
  /** Set once, when the connection is known to be gone. */
  lost: ConnectionError | undefined
  /** Resolves with `lost`. */
  readonly whenLost: Promise<ConnectionError>
  readonly markLost: (error: ConnectionError) => void
  readonly onError: (error: Error) => void
  readonly onEnd: () => void
  /** Stops this connection's notifications from reaching the queue. */
  readonly stopDelivery: () => void
  released: boolean
}

/**
 * A PostgreSQL {@link Listener} on one dedicated connection from the DB's
 * pool, which it keeps alive across faults: on loss it reconnects with
 * backoff, re-issues LISTEN for every channel, awaits `onReset`, then
 * resumes delivery. Made by `listen()`.
 *
 * ### Examples
 *
 * ```ts
 * const l = await listen(db, ['jobs'], { onReset: () => drainBacklog(db) })
 * await l.listen('audit')
 * const n = await l.receive(AbortSignal.timeout(5000))
 * await l.close()
 * ```
 */
export class PostgresListener implements Listener {
  readonly #context: PostgresContext
  readonly #settings: ListenerSettings
  readonly #channels: Set<string>
  readonly #queue: NotificationQueue
  readonly #closing = new AbortController()
  readonly #whenClosing: Promise<undefined>
  #link: Link | undefined
  #paused = false
  /** Bumped whenever the channel set changes, so a health check can tell a race from a mismatch. */
  #generation = 0
  #healthTimer: NodeJS.Timeout | undefined
  #failure: ConnectionError | undefined
  #closed: Promise<void> | undefined

  constructor(context: PostgresContext, channels: readonly string[], settings: ListenerSettings) {
    this.#context = context
    this.#settings = settings
    this.#channels = new Set(channels)
    this.#queue = new NotificationQueue({
      highWaterMark: settings.maxBuffered,
      lowWaterMark: Math.floor(settings.maxBuffered / 2),
      onHighWater: () => this.#setPaused(true),
      onLowWater: () => this.#setPaused(false),
    })
    this.#whenClosing = new Promise((resolve) => {
      this.#closing.signal.addEventListener('abort', () => resolve(undefined), { once: true })
    })
  }

  get channels(): readonly string[] {
    return [...this.#channels]
  }

  /**
   * Takes the first connection, LISTENs and runs the first `onReset`; then
   * watches the connection. Called once, by `listen()`. Rejects (and
   * releases everything) if that first connection fails.
   */
  async start(): Promise<void> {
    this.#context.resources.add(this)
    let link: Link
    try {
      link = await this.#connect(false)
    } catch (error) {
      await this.close()
      throw error
    }
    void this.#supervise(link)
  }

  /**
   * Resolves with the next notification, in arrival order. While the
   * listener reconnects it waits. Aborting `signal` rejects this call only,
   * with the signal's reason; an already-aborted signal consumes nothing.
   * Rejects with `ClosedError` after `close()`, and with `ConnectionError`
   * after a connection loss when `reconnect` is `false`.
   *
   * ### Examples
   *
   * ```ts
   * try {
   *   const n = await l.receive(AbortSignal.timeout(1000))
   * } catch (e) {
   *   if ((e as Error).name === 'TimeoutError') console.log('nothing within 1 s')
   * }
   * ```
   */
  receive(signal?: AbortSignal): Promise<Notification> {
    return this.#queue.receive(signal)
  }

  [Symbol.asyncIterator](): AsyncIterator<Notification> {
    return this.#queue.iterator()
  }

  /**
   * Adds `channel`, waiting for the server's acknowledgement when connected
   * (while reconnecting, it is LISTENed on the next connection). Rejects
   * with `InvalidArgumentError` for an invalid name or one already listened to.
   *
   * ### Examples
   *
   * ```ts
   * await l.listen('Audit')   // exact and case-sensitive
   * ```
   */
  async listen(channel: string): Promise<void> {
    assertValidChannel(channel)
    this.#assertUsable()
    if (this.#channels.has(channel)) {
      throw new InvalidArgumentError(`already listening to channel ${JSON.stringify(channel)}: listen() each channel once`)
    }
    this.#channels.add(channel)
    this.#generation++
    await this.#command(`LISTEN ${pg.escapeIdentifier(channel)}`, () => this.#channels.delete(channel))
  }

  /**
   * Removes `channel`; notifications the server sent before it are still
   * delivered, none after. Rejects with `InvalidArgumentError` when the
   * channel is not listened to.
   *
   * ### Examples
   *
   * ```ts
   * await l.unlisten('jobs')
   * ```
   */
  async unlisten(channel: string): Promise<void> {
    assertValidChannel(channel)
    this.#assertUsable()
    if (!this.#channels.delete(channel)) {
      throw new InvalidArgumentError(`not listening to channel ${JSON.stringify(channel)}: nothing to unlisten (channels: ${JSON.stringify(this.channels)})`)
    }
    this.#generation++
    await this.#command(`UNLISTEN ${pg.escapeIdentifier(channel)}`, () => this.#channels.add(channel))
  }

  /**
   * Removes every channel.
   *
   * ### Examples
   *
   * ```ts
   * await l.unlistenAll()
   * l.channels // []
   * ```
   */
  async unlistenAll(): Promise<void> {
    this.#assertUsable()
    const before = this.channels
    this.#channels.clear()
    this.#generation++
    await this.#command('UNLISTEN *', () => before.forEach((c) => this.#channels.add(c)))
  }

  /**
   * A round trip on the listener's connection. Rejects with `ConnectionError`
   * while disconnected, with `ClosedError` after `close()`.
   *
   * ### Examples
   *
   * ```ts
   * await l.ping()
   * ```
   */
  async ping(): Promise<void> {
    this.#assertUsable()
    const link = this.#link
    if (link === undefined || !link.ready || link.lost !== undefined) {
      throw new ConnectionError(`the listener is not connected to PostgreSQL at ${this.#context.target} right now; it is reconnecting`)
    }
    const timeoutMs = this.#settings.healthCheckMs || this.#settings.connectTimeoutMs
    try {
      await withDeadline(link.client.query('select 1'), timeoutMs, this.#closing.signal, () => this.#noAnswer('ping', timeoutMs), () => this.#closedError())
    } catch (error) {
      throw this.#context.mapError(error, 'query')
    }
  }

  /**
   * Asks the server which channels this listener's connection listens to
   * (`pg_listening_channels()`), for diagnostics: it should always equal
   * `channels`. Rejects with `ConnectionError` while disconnected.
   *
   * ### Examples
   *
   * ```ts
   * console.log(await l.listeningOnServer()) // ['jobs', 'Audit']
   * ```
   */
  async listeningOnServer(): Promise<string[]> {
    this.#assertUsable()
    const link = this.#link
    if (link === undefined || !link.ready || link.lost !== undefined) {
      throw new ConnectionError(`the listener is not connected to PostgreSQL at ${this.#context.target} right now; it is reconnecting`)
    }
    try {
      const { rows } = await link.client.query<{ channel: string }>(LISTENING_CHANNELS)
      return rows.map((r) => r.channel)
    } catch (error) {
      throw this.#context.mapError(error, 'query')
    }
  }

  /**
   * Stops listening: pending and later `receive` calls reject with
   * `ClosedError`, queued notifications are dropped, and the connection goes
   * back to the pool after `UNLISTEN *` (or is destroyed if it does not
   * answer within a second). Idempotent, and prompt in every state: during a
   * backoff sleep or a connect attempt it resolves at once.
   *
   * ### Examples
   *
   * ```ts
   * await Promise.all([l.close(), l.close()])
   * ```
   */
  close(): Promise<void> {
    this.#closed ??= this.#shutdown()
    return this.#closed
  }

  async #shutdown(): Promise<void> {
    this.#closing.abort()
    clearTimeout(this.#healthTimer)
    this.#context.resources.delete(this)
    this.#queue.end(this.#closedError(), { discard: true })
    this.#channels.clear()
    const link = this.#link
    if (link === undefined) return
    this.#link = undefined
    if (!link.ready || link.lost !== undefined || link.released) {
      this.#release(link, true)
      return
    }
    try {
      await withDeadline(link.client.query('UNLISTEN *'), UNLISTEN_ON_CLOSE_MS, undefined, () => this.#noAnswer('UNLISTEN *', UNLISTEN_ON_CLOSE_MS), () => this.#closedError())
      this.#release(link, false)
    } catch {
      this.#release(link, true)
    }
  }

  /** One connection attempt: connect, LISTEN, `onReset`, then deliver. */
  async #connect(reconnected: boolean): Promise<Link> {
    const { connectTimeoutMs } = this.#settings
    const signal = this.#closing.signal
    const pending = this.#context.pool.connect()
    let client: pg.PoolClient
    try {
      client = await withDeadline(pending, connectTimeoutMs, signal, () => this.#noAnswer('connect', connectTimeoutMs), () => this.#closedError())
    } catch (error) {
      // Whatever the abandoned attempt still yields goes straight back, destroyed.
      pending.then((late) => late.release(true), () => undefined)
      throw this.#context.mapError(error, 'connect')
    }
    const link = this.#attach(client)
    this.#link = link
    this.#queue.hold()
    try {
      const channels = this.channels
      if (channels.length > 0) {
        const text = channels.map((c) => `LISTEN ${pg.escapeIdentifier(c)}`).join('; ')
        const listening = client.query(text).catch((error: unknown) => {
          throw this.#asConnectionError(error)
        })
        await withDeadline(listening, connectTimeoutMs, signal, () => this.#noAnswer('LISTEN', connectTimeoutMs), () => this.#closedError())
      }
      if (link.lost !== undefined) throw link.lost
      await this.#runOnReset({ reconnected, channels: Object.freeze(channels) })
      if (signal.aborted) throw this.#closedError()
      if (link.lost !== undefined) throw link.lost
    } catch (error) {
      if (this.#link === link) this.#link = undefined
      this.#release(link, true)
      throw error
    }
    link.ready = true
    if (this.#paused) socketOf(client).pause()
    this.#queue.release()
    this.#emit({ type: reconnected ? 'reconnected' : 'connected' })
    this.#scheduleHealthCheck()
    return link
  }

  /** Awaits `onReset`; what it throws comes back as a LiteormError whose cause it is. */
  async #runOnReset(info: ResetInfo): Promise<void> {
    try {
      await this.#settings.onReset?.(Object.freeze(info))
    } catch (error) {
      throw CallbackError.of('onReset', error)
    }
  }

  /** Waits for each connection to be lost, then reconnects, until closed. */
  async #supervise(first: Link): Promise<void> {
    let link = first
    for (;;) {
      const error = await Promise.race([link.whenLost, this.#whenClosing])
      if (error === undefined || this.#closing.signal.aborted) return
      clearTimeout(this.#healthTimer)
      if (this.#link === link) this.#link = undefined
      this.#release(link, true)
      this.#emit({ type: 'disconnected', error })
      if (this.#settings.reconnect === false) {
        this.#failure = new ConnectionError(`the listener lost its connection and reconnect is off: ${error.message}`, { cause: error })
        this.#context.resources.delete(this)
        this.#queue.end(this.#failure, { discard: false })
        return
      }
      const next = await this.#reconnect(this.#settings.reconnect)
      if (next === undefined) return
      link = next
    }
  }

  async #reconnect({ minDelayMs, maxDelayMs }: { minDelayMs: number; maxDelayMs: number }): Promise<Link | undefined> {
    const signal = this.#closing.signal
    for (let attempt = 1; !signal.aborted; attempt++) {
      try {
        return await this.#connect(true)
      } catch (error) {
        if (signal.aborted) return undefined
        const retryInMs = backoffDelay(attempt, minDelayMs, maxDelayMs)
        this.#emit({ type: 'connect-failed', error: error as LiteormError, attempt, retryInMs })
        await sleep(retryInMs, signal)
      }
    }
    return undefined
  }

  #attach(client: pg.PoolClient): Link {
    let markLost!: (error: ConnectionError) => void
    const whenLost = new Promise<ConnectionError>((resolve) => (markLost = resolve))
    const link: Link = {
      client,
      ready: false,
      lost: undefined,
      whenLost,
      stopDelivery: this.#deliverFrom(client),
      released: false,
      markLost: (error) => {
        if (link.lost !== undefined) return
        link.lost = error
        socketOf(client).destroy()
        markLost(error)
      },
      onError: (error) => link.markLost(this.#asConnectionError(error)),
      onEnd: () => link.markLost(new ConnectionError(`the connection to PostgreSQL at ${this.#context.target} ended`)),
    }
    client.on('error', link.onError)
    client.on('end', link.onEnd)
    return link
  }

  /** Gives the connection back to the pool: reset and reusable, or destroyed. */
  #release(link: Link, destroy: boolean): void {
    if (link.released) return
    link.released = true
    link.stopDelivery()
    link.client.removeListener('error', link.onError)
    link.client.removeListener('end', link.onEnd)
    if (destroy) {
      socketOf(link.client).destroy()
      link.client.release(true)
    } else {
      link.client.release()
    }
  }

  /**
   * Routes the connection's notifications into the queue: decoded straight
   * off the socket by a {@link tapNotifications} tap, or, when the socket
   * cannot be tapped, from pg's protocol-level event (the client would only
   * re-emit it). Returns the undo.
   */
  #deliverFrom(client: pg.PoolClient): () => void {
    const untap = tapNotifications(socketOf(client), this.#push)
    if (untap !== undefined) return untap
    const connection = connectionOf(client)
    const onNotification = (message: pg.Notification): void => {
      this.#queue.push(createNotification(message.channel, message.payload ?? '', message.processId))
    }
    connection.on('notification', onNotification)
    return () => connection.removeListener('notification', onNotification)
  }

  readonly #push = (n: Notification): void => this.#queue.push(n)

  /** Runs a LISTEN/UNLISTEN on the live connection; while disconnected, the next connection applies the set. */
  async #command(text: string, undo: () => void): Promise<void> {
    const link = this.#link
    if (link === undefined || link.lost !== undefined) return
    try {
      await link.client.query(text)
    } catch (error) {
      const mapped = this.#context.mapError(error, 'query')
      if (mapped instanceof ConnectionError || link.lost !== undefined) return
      undo()
      this.#generation++
      throw mapped
    }
  }

  #scheduleHealthCheck(): void {
    const { healthCheckMs } = this.#settings
    if (healthCheckMs === 0 || this.#closing.signal.aborted) return
    clearTimeout(this.#healthTimer)
    this.#healthTimer = setTimeout(() => void this.#healthCheck(), healthCheckMs)
    this.#healthTimer.unref()
  }

  /** One round trip that must answer in time and show the server listening to exactly our channels. */
  async #healthCheck(): Promise<void> {
    const link = this.#link
    if (link === undefined || !link.ready || link.lost !== undefined || this.#closing.signal.aborted) return
    if (this.#paused) {
      // Not reading the socket on purpose: an answer could not arrive.
      this.#scheduleHealthCheck()
      return
    }
    const { healthCheckMs } = this.#settings
    const generation = this.#generation
    try {
      const query = link.client.query<{ channel: string }>(LISTENING_CHANNELS)
      const { rows } = await withDeadline(query, healthCheckMs, this.#closing.signal, () => this.#noAnswer('health check', healthCheckMs), () => this.#closedError())
      if (generation === this.#generation && !sameChannels(rows, this.#channels)) {
        throw new ConnectionError(
          `the server listens to ${JSON.stringify(rows.map((r) => r.channel))} on this connection, not to ${JSON.stringify(this.channels)}; reconnecting to restore`,
        )
      }
    } catch (error) {
      if (this.#closing.signal.aborted || link !== this.#link) return
      if (this.#paused) return this.#scheduleHealthCheck()
      link.markLost(this.#asConnectionError(error))
      return
    }
    this.#scheduleHealthCheck()
  }

  #setPaused(paused: boolean): void {
    this.#paused = paused
    const link = this.#link
    if (link === undefined || !link.ready || link.lost !== undefined) return
    const socket = socketOf(link.client)
    if (paused) socket.pause()
    else socket.resume()
  }

  #assertUsable(): void {
    if (this.#closing.signal.aborted) throw this.#closedError()
    if (this.#failure !== undefined) throw this.#failure
  }

  #emit(event: ListenerEvent): void {
    try {
      this.#settings.onEvent?.(event)
    } catch {
      // onEvent is a observer; its failures must not break delivery.
    }
  }

  #asConnectionError(error: unknown): ConnectionError {
    const mapped = this.#context.mapError(error, 'query')
    if (mapped instanceof ConnectionError) return mapped
    return new ConnectionError(`PostgreSQL at ${this.#context.target}: connection lost: ${mapped.message}`, { cause: error })
  }

  #noAnswer(what: string, ms: number): ConnectionError {
    return new ConnectionError(`PostgreSQL at ${this.#context.target} gave no answer to ${what} within ${ms} ms; the connection is treated as lost`)
  }

  #closedError(): ClosedError {
    return new ClosedError('the listener was closed: open a new one with listen()')
  }
}

/** node-postgres's protocol connection under a client: its socket, and the events it parses. */
interface ProtocolConnection extends EventEmitter {
  readonly stream: Socket
}

function connectionOf(client: pg.PoolClient): ProtocolConnection {
  return (client as unknown as { connection: ProtocolConnection }).connection
}

function socketOf(client: pg.PoolClient): Socket {
  return connectionOf(client).stream
}

function sameChannels(rows: readonly { channel: string }[], channels: ReadonlySet<string>): boolean {
  return rows.length === channels.size && rows.every((r) => channels.has(r.channel))
}
