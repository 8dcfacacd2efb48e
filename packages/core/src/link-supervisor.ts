import { backoffDelay, sleep } from './backoff.js'
import type { ChannelSet } from './channel-set.js'
import { abortable, Deadline } from './deadline.js'
import { ConnectionError, LiteormError } from './errors.js'
import { CallbackError } from './listener-errors.js'
import type { LinkSink, LinkState, ListenerLink, ListenerTransport } from './listener-link.js'
import { emitEvent, type ListenerSettings, type ReconnectSettings } from './listener-settings.js'
import type { ListenerEvent } from './listener.js'
import type { LinkCounters } from './listener-status.js'
import type { Notification } from './notification.js'
import type { NotificationQueue } from './notification-queue.js'

/** What the supervisor shares with the listener it keeps connected. */
interface Supervised {
  readonly transport: ListenerTransport
  readonly settings: ListenerSettings
  readonly channels: ChannelSet
  readonly queue: NotificationQueue
  /** Aborts when the listener closes. */
  readonly closing: AbortSignal
  readonly closedError: () => LiteormError
  /** The link was lost for good (reconnect is off): end the listener with `error`. */
  readonly fail: (error: ConnectionError) => void
}

/**
 * One link and where it is ({@link LinkState}); the sink the transport
 * reports to. A report from a link that is no longer current changes nothing.
 */
class Slot implements LinkSink {
  state: LinkState = 'connecting'
  link: ListenerLink | undefined
  /** The LISTEN set is in place on `link`: commands may go to it. */
  synced = false
  error: LiteormError | undefined
  readonly deliver: (n: Notification) => void
  readonly #supervisor: LinkSupervisor
  readonly attempt: Deadline

  constructor(supervisor: LinkSupervisor, deliver: (n: Notification) => void, attempt: Deadline) {
    this.#supervisor = supervisor
    this.deliver = deliver
    this.attempt = attempt
  }

  lost(error: LiteormError): void {
    if (this.state === 'lost' || this.state === 'released') return
    const wasLive = this.state === 'live'
    this.state = 'lost'
    this.error = error
    if (wasLive) this.#supervisor.recover(this, error)
    else this.attempt.abort(error)
  }

  /** Takes the link `open` made; one that comes after the slot was released (closing) goes straight back, unlistened. */
  attach(link: ListenerLink): void {
    this.link = link
    if (this.state === 'released') void link.release(true)
  }

  /** Hands the link back, once: reusable only if it was not lost. */
  async release(reusable: boolean): Promise<void> {
    if (this.state === 'released') return
    const clean = reusable && this.state !== 'lost'
    this.state = 'released'
    await this.link?.release(clean)
  }
}

/**
 * Keeps a listener connected: opens a link through the transport, LISTENs,
 * runs `onReset`, watches the link with health checks, and on loss
 * reconnects with core's backoff, until the listener closes. It holds no
 * lock and no promise chain across I/O: each step checks, after every
 * await, whether its link is still the current one.
 *
 * ### Examples
 *
 * ```ts
 * const supervisor = new LinkSupervisor(shared)
 * await supervisor.connect(false)   // the first link; rejects if it fails
 * ```
 */
export class LinkSupervisor {
  readonly #shared: Supervised
  readonly #deliver: (n: Notification) => void
  #slot: Slot | undefined
  #paused = false
  #healthTimer: NodeJS.Timeout | undefined
  #reconnects = 0
  #received = 0
  #lastEventAt: Date | undefined

  constructor(shared: Supervised) {
    this.#shared = shared
    const { queue } = shared
    this.#deliver = (n) => {
      this.#received++
      queue.push(n)
    }
  }

  /** What it counted, for the listener's status. */
  get counters(): LinkCounters {
    return { connected: this.live !== undefined, reconnects: this.#reconnects, lastEventAt: this.#lastEventAt, received: this.#received, paused: this.#paused }
  }

  /** The current link when it takes LISTEN/UNLISTEN (synchronised, not lost); otherwise the set waits for the next link. */
  get commandable(): ListenerLink | undefined {
    const slot = this.#slot
    return slot !== undefined && slot.synced && (slot.state === 'live' || slot.state === 'connecting') ? slot.link : undefined
  }

  /** The current link when it is live. */
  get live(): ListenerLink | undefined {
    const slot = this.#slot
    return slot?.state === 'live' ? slot.link : undefined
  }

  /** A LISTEN/UNLISTEN on `link` failed with a connection error: the link is lost. */
  linkFailed(link: ListenerLink, error: LiteormError): void {
    if (this.#slot?.link === link) this.#slot.lost(error)
  }

  /** Stops or resumes reading (the queue's high and low water). */
  setPaused(paused: boolean): void {
    this.#paused = paused
    const link = this.live
    if (link === undefined) return
    if (paused) link.pause()
    else link.resume()
  }

  /** The listener is closing: the current link goes back, reusable if it is live. */
  async stop(): Promise<void> {
    clearTimeout(this.#healthTimer)
    const slot = this.#slot
    this.#slot = undefined
    await slot?.release(true)
  }

  /** One attempt: open a link with the LISTEN set, run `onReset`, then deliver. Rejects with why it failed. */
  async connect(reconnected: boolean): Promise<void> {
    const { transport, settings, channels, queue, closing } = this.#shared
    const ms = settings.connectTimeoutMs
    const slot = new Slot(this, this.#deliver, new Deadline(ms, closing, () => this.#noAnswer('connect', ms)))
    this.#slot = slot
    queue.hold()
    try {
      let wanted = channels.list()
      let generation = channels.generation
      const link = await transport.open(wanted, slot, slot.attempt.signal)
      slot.attach(link)
      if (slot.state !== 'connecting') throw slot.error ?? this.#shared.closedError()
      // Channels added or removed while opening: bring the link up to date first.
      while (generation !== channels.generation) {
        const now = channels.list()
        generation = channels.generation
        for (const c of wanted) if (!now.includes(c)) await abortable(link.unlisten(c), slot.attempt.signal)
        for (const c of now) if (!wanted.includes(c)) await abortable(link.listen(c), slot.attempt.signal)
        wanted = now
      }
      slot.synced = true
      slot.attempt.clear()
      await this.#runOnReset(reconnected, channels.list())
      if (closing.aborted) throw this.#shared.closedError()
      if (slot.state !== 'connecting') throw slot.error ?? this.#shared.closedError()
      slot.state = 'live'
      if (this.#paused) link.pause()
    } catch (error) {
      slot.attempt.clear()
      if (this.#slot === slot) this.#slot = undefined
      await slot.release(false)
      throw error
    }
    queue.release()
    if (reconnected) this.#reconnects++
    this.#emit({ type: reconnected ? 'reconnected' : 'connected' })
    this.#scheduleHealthCheck()
  }

  /** The live `slot` was lost: release it, tell `onEvent`, and reconnect (or fail, when reconnecting is off). */
  recover(slot: Slot, error: LiteormError): void {
    if (this.#slot !== slot) return
    clearTimeout(this.#healthTimer)
    this.#slot = undefined
    void slot.release(false)
    const { settings, closing } = this.#shared
    this.#emit({ type: 'disconnected', error })
    if (closing.aborted) return
    if (settings.reconnect === false) {
      this.#shared.fail(new ConnectionError(`the listener lost its connection and reconnect is off: ${error.message}`, { cause: error }))
      return
    }
    void this.#reconnect(settings.reconnect)
  }

  async #reconnect({ minDelayMs, maxDelayMs }: ReconnectSettings): Promise<void> {
    const { closing, queue } = this.#shared
    for (let attempt = 1; !closing.aborted; attempt++) {
      try {
        await this.connect(true)
        return
      } catch (error) {
        if (closing.aborted) return
        queue.release() // what the lost link delivered flows while we wait
        const retryInMs = backoffDelay(attempt, minDelayMs, maxDelayMs)
        const reported = error instanceof LiteormError ? error : this.asConnectionError(error)
        this.#emit({ type: 'connect-failed', error: reported, attempt, retryInMs })
        await sleep(retryInMs, closing)
      }
    }
  }

  #emit(event: ListenerEvent): void {
    this.#lastEventAt = new Date()
    emitEvent(this.#shared.settings.onEvent, event)
  }

  /** Awaits `onReset`; what it throws comes back as a {@link CallbackError}. */
  async #runOnReset(reconnected: boolean, channels: readonly string[]): Promise<void> {
    const { onReset } = this.#shared.settings
    if (onReset === undefined) return
    try {
      await onReset(Object.freeze({ reconnected, channels: Object.freeze(channels) }))
    } catch (error) {
      throw CallbackError.of('onReset', error)
    }
  }

  #scheduleHealthCheck(): void {
    const { healthCheckMs } = this.#shared.settings
    if (healthCheckMs === 0 || this.#shared.closing.aborted) return
    clearTimeout(this.#healthTimer)
    this.#healthTimer = setTimeout(this.#healthCheck, healthCheckMs)
    this.#healthTimer.unref()
  }

  /** One probe that must answer in time and show the transport listening to exactly our channels. */
  readonly #healthCheck = async (): Promise<void> => {
    const slot = this.#slot
    if (slot?.state !== 'live' || slot.link === undefined) return
    // Not reading on purpose: an answer could not arrive.
    if (this.#paused) return this.#scheduleHealthCheck()
    const { settings, channels, closing } = this.#shared
    const ms = settings.healthCheckMs
    const generation = channels.generation
    const step = new Deadline(ms, closing, () => this.#noAnswer('health check', ms))
    try {
      const server = await abortable(slot.link.probe(), step.signal)
      if (server !== undefined && generation === channels.generation && !channels.equals(server)) {
        throw new ConnectionError(
          `the server listens to ${JSON.stringify(server)} on this connection, not to ${JSON.stringify(channels.list())}; reconnecting to restore`,
        )
      }
    } catch (error) {
      if (closing.aborted || slot !== this.#slot) return
      if (this.#paused) return this.#scheduleHealthCheck()
      slot.lost(this.asConnectionError(error))
      return
    } finally {
      step.clear()
    }
    this.#scheduleHealthCheck()
  }

  /** `error` as an error that says the connection is the problem. */
  asConnectionError(error: unknown): ConnectionError {
    if (error instanceof ConnectionError) return error
    const message = error instanceof Error ? error.message : String(error)
    return new ConnectionError(`${this.#shared.transport.target}: connection lost: ${message}`, { cause: error })
  }

  #noAnswer(what: string, ms: number): ConnectionError {
    return new ConnectionError(`${this.#shared.transport.target} gave no answer to ${what} within ${ms} ms; the connection is treated as lost`)
  }
}
