import {
  BusyError,
  CallbackError,
  ClosedError,
  ConnectionError,
  InvalidArgumentError,
  LiteormError,
  MissedNotificationsError,
  type Listener,
  type ListenerEvent,
  type Notification,
} from '@liteorm/core'
import { assertValidChannel, backoffDelay, createNotification, NotificationQueue, sleep } from '@liteorm/core/backend'
import { ChannelSet } from './channel-set.js'
import { onCommit } from './commit-signal.js'
import type { ListenerSettings } from './listen-options.js'
import type { NotificationSource } from './notification-source.js'
import type { SqliteContext } from './sqlite-context.js'

/** Rows read per query while catching up. */
const BATCH = 500

/**
 * An SQLite {@link Listener}. Every notification it delivers comes from one
 * path, the notifications table, read in id order, which is commit order:
 * so nothing is delivered twice and the order is the same for every
 * listener in every process. Commits made in this process wake it at once;
 * commits by other processes are seen by polling `PRAGMA data_version` on
 * its own connection every `pollIntervalMs`. Made by `listen()`.
 *
 * When it falls so far behind that the notifier pruned rows it had not read
 * (a consumer more than `maxBuffered` behind for longer than the
 * retention), or its reads fail, it reports it as PostgreSQL's listener
 * reports a lost connection: `onEvent` `disconnected`, then `onReset` with
 * `reconnected: true` (re-read what may have been missed), then
 * `reconnected`.
 *
 * ### Examples
 *
 * ```ts
 * const l = await listen(db, ['jobs'])
 * await l.listen('audit')
 * const n = await l.receive(AbortSignal.timeout(5000))
 * await l.close()
 * ```
 */
export class SqliteListener implements Listener {
  readonly #context: SqliteContext
  readonly #source: NotificationSource
  readonly #settings: ListenerSettings
  readonly #channels = new ChannelSet()
  readonly #queue: NotificationQueue
  readonly #closing = new AbortController()
  #cursor = 0
  #paused = false
  #wakeQueued = false
  #lastVersion: number | undefined
  #timer: NodeJS.Timeout | undefined
  #unsubscribe: (() => void) | undefined
  /** Set while reads fail; cleared (after a reset) when one succeeds. */
  #failure: Error | undefined
  #resetting = false
  #closed: Promise<void> | undefined

  constructor(context: SqliteContext, source: NotificationSource, channels: readonly string[], settings: ListenerSettings) {
    this.#context = context
    this.#source = source
    this.#settings = settings
    this.#queue = new NotificationQueue({
      highWaterMark: settings.maxBuffered,
      lowWaterMark: Math.floor(settings.maxBuffered / 2),
      onHighWater: () => (this.#paused = true),
      onLowWater: () => {
        this.#paused = false
        this.#wake()
      },
    })
    this.#cursor = source.latestId()
    for (const channel of channels) this.#channels.add(channel, this.#cursor)
  }

  get channels(): readonly string[] {
    return this.#channels.channels
  }

  /**
   * Starts watching for commits and runs the first `onReset`
   * (`reconnected: false`); notifications committed meanwhile are delivered
   * after it. Called once, by `listen()`. Rejects (and closes the listener)
   * with what `onReset` threw.
   */
  async start(): Promise<void> {
    this.#context.resources.add(this)
    this.#queue.hold()
    this.#unsubscribe = onCommit(this.#context.key, this.#wake)
    try {
      this.#lastVersion = this.#source.dataVersion()
    } catch (error) {
      await this.close()
      throw this.#context.mapError(error, 'connect')
    }
    if (this.#lastVersion !== undefined) this.#timer = setInterval(this.#poll, this.#settings.pollIntervalMs)
    try {
      await this.#settings.onReset?.(Object.freeze({ reconnected: false, channels: Object.freeze(this.channels) }))
    } catch (error) {
      await this.close()
      throw CallbackError.of('onReset', error)
    }
    if (this.#closing.signal.aborted) throw this.#closedError()
    this.#queue.release()
    this.#emit({ type: 'connected' })
    this.#pull()
  }

  /**
   * Resolves with the next notification, in commit order. Aborting `signal`
   * rejects this call only, with the signal's reason; an already-aborted
   * signal consumes nothing. Rejects with `ClosedError` after `close()`.
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
   * Adds `channel`: notifications on it committed from now on are heard.
   * Rejects with `InvalidArgumentError` for an invalid name or one already
   * listened to, with `ClosedError` after `close()`.
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
    this.#channels.add(channel, this.#latestId())
  }

  /**
   * Removes `channel`: notifications on it committed before now are still
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
    if (!this.#channels.has(channel)) {
      throw new InvalidArgumentError(`not listening to channel ${JSON.stringify(channel)}: nothing to unlisten (channels: ${JSON.stringify(this.channels)})`)
    }
    this.#channels.remove(channel, this.#latestId())
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
    const latest = this.#latestId()
    for (const channel of this.channels) this.#channels.remove(channel, latest)
  }

  /**
   * A round trip to the database file on the listener's connection. Rejects
   * with `ConnectionError` when it fails, with `ClosedError` after `close()`.
   *
   * ### Examples
   *
   * ```ts
   * await l.ping()
   * ```
   */
  async ping(): Promise<void> {
    this.#assertUsable()
    try {
      this.#source.ping()
    } catch (error) {
      throw this.#asConnectionError(error)
    }
  }

  /**
   * Stops listening: pending and later `receive` calls reject with
   * `ClosedError`, queued notifications are dropped, and the listener's
   * connection is closed. Idempotent.
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
    clearInterval(this.#timer)
    this.#unsubscribe?.()
    this.#context.resources.delete(this)
    this.#queue.end(this.#closedError(), { discard: true })
    this.#source.close()
  }

  /** Reads soon (coalescing several wakes into one read): after a commit in this process, or when the consumer caught up. */
  readonly #wake = (): void => {
    if (this.#wakeQueued) return
    this.#wakeQueued = true
    queueMicrotask(() => {
      this.#wakeQueued = false
      this.#pull()
    })
  }

  /** Polls for commits by other connections. */
  readonly #poll = (): void => {
    if (this.#paused || this.#closing.signal.aborted) return
    try {
      const version = this.#source.dataVersion()
      if (version === this.#lastVersion && this.#failure === undefined) return
      this.#lastVersion = version
    } catch (error) {
      this.#readFailed(error)
      return
    }
    this.#pull()
  }

  /** Reads every committed row after the cursor, delivering those of our channels, until caught up or paused. */
  #pull(): void {
    if (this.#paused || this.#closing.signal.aborted) return
    try {
      for (;;) {
        const batch = this.#source.read(this.#cursor, BATCH)
        if (batch === undefined) return
        if (batch.prunedThrough > this.#cursor) {
          this.#reset(
            new MissedNotificationsError(
              `notifications ${this.#cursor + 1}..${batch.prunedThrough} were pruned before this listener read them: ` +
                'it fell further behind than the notifiers keep rows (notificationRetentionMs)',
              { code: 'PRUNED', dropped: batch.prunedThrough - this.#cursor },
            ),
          )
          this.#cursor = batch.prunedThrough
        }
        for (const row of batch.rows) {
          this.#cursor = row.id
          if (this.#channels.hears(row.channel, row.id)) this.#queue.push(createNotification(row.channel, row.payload, row.pid))
          if (this.#paused) break
        }
        if (this.#paused || batch.rows.length < BATCH) break
      }
    } catch (error) {
      this.#readFailed(error)
      return
    } finally {
      this.#channels.forgetBefore(this.#cursor)
    }
    if (this.#failure !== undefined) {
      this.#failure = undefined
      this.#reset(undefined)
    }
  }

  #readFailed(error: unknown): void {
    if (this.#closing.signal.aborted) return
    const mapped = this.#context.mapError(error, 'query')
    // Another connection is busy with the file (a checkpoint, a writer in rollback-journal mode): next poll.
    if (mapped instanceof BusyError || this.#failure !== undefined) return
    this.#failure = mapped
    this.#emit({ type: 'disconnected', error: this.#asConnectionError(error) })
  }

  /**
   * Tells the application that notifications may have been missed: `error`
   * (if any) as `disconnected`, then `onReset({ reconnected: true })` until
   * it succeeds, then `reconnected`. Deliveries wait meanwhile.
   */
  #reset(error: LiteormError | undefined): void {
    if (error !== undefined) this.#emit({ type: 'disconnected', error })
    if (this.#resetting) return
    this.#resetting = true
    this.#queue.hold()
    void this.#runReset()
  }

  async #runReset(): Promise<void> {
    const signal = this.#closing.signal
    for (let attempt = 1; !signal.aborted; attempt++) {
      try {
        await this.#settings.onReset?.(Object.freeze({ reconnected: true, channels: Object.freeze(this.channels) }))
        break
      } catch (error) {
        if (signal.aborted) return
        const retryInMs = backoffDelay(attempt, 100, 10_000)
        const mapped = CallbackError.of('onReset', error)
        this.#emit({ type: 'connect-failed', error: mapped, attempt, retryInMs })
        await sleep(retryInMs, signal)
      }
    }
    this.#resetting = false
    if (signal.aborted) return
    this.#queue.release()
    this.#emit({ type: 'reconnected' })
  }

  #latestId(): number {
    try {
      return this.#source.latestId()
    } catch (error) {
      throw this.#context.mapError(error, 'query')
    }
  }

  #assertUsable(): void {
    if (this.#closing.signal.aborted) throw this.#closedError()
  }

  #emit(event: ListenerEvent): void {
    try {
      this.#settings.onEvent?.(event)
    } catch {
      // onEvent is an observer; its failures must not break delivery.
    }
  }

  #asConnectionError(error: unknown): ConnectionError {
    const mapped = this.#context.mapError(error, 'query')
    if (mapped instanceof ConnectionError) return mapped
    return new ConnectionError(`the listener cannot read SQLite database ${this.#context.settings.filename}: ${mapped.message}`, { cause: error })
  }

  #closedError(): ClosedError {
    return new ClosedError('the listener was closed: open a new one with listen()')
  }
}

