import { ConnectionError, type LiteormError } from '@liteorm/core'
import { createPositionedNotification, type LinkSink, type ListenerLink } from '@liteorm/core/backend'
import type { Duplex } from 'node:stream'
import type pg from 'pg'
import type { DeliveryLedger } from './delivery-ledger.js'
import { MESSAGE_PREFIX } from './logical-message.js'
import { formatLsn } from './lsn.js'
import { decodeServerFrame, statusUpdate, type PgoutputMessage } from './replication-frames.js'

/** How often a link tells the server its position unasked, which also keeps a paused walsender from timing out (its default `wal_sender_timeout` is 60 s). */
const STATUS_INTERVAL_MS = 10_000

/** How long `release` waits for the replication connection to end before destroying its socket. */
const END_ON_RELEASE_MS = 1000

/** What a {@link LogicalLink} needs besides its connection. */
interface LogicalLinkInit {
  readonly client: pg.Client
  /** The `START_REPLICATION` CopyBoth stream: one frame per chunk in, status updates out. */
  readonly stream: Duplex
  readonly channels: readonly string[]
  readonly sink: LinkSink
  readonly ledger: DeliveryLedger
  /** Maps a driver error to a `ConnectionError` naming the server. */
  readonly lostError: (error: unknown) => LiteormError
  /** Called every status interval and on every probe while the link lives (the transport's lag check). */
  readonly onInterval: () => void
}

/**
 * One replication connection of a logical listener: it reads pgoutput
 * frames from the CopyBoth stream, filters logical messages whose prefix is
 * `liteorm:` plus a channel of its set, and delivers them with their LSN as
 * `position`; it answers keepalives and reports acknowledged positions
 * with standby status updates. LISTEN/UNLISTEN only change the filter.
 * Pausing stops reading the stream, so the socket and then the walsender
 * stop (TCP backpressure); nothing is buffered beyond one frame.
 *
 * ### Examples
 *
 * ```ts
 * const link = new LogicalLink({ client, stream, channels, sink, ledger, lostError, onInterval })
 * await link.started
 * ```
 */
export class LogicalLink implements ListenerLink {
  readonly #client: pg.Client
  readonly #stream: Duplex
  readonly #channels: Set<string>
  readonly #sink: LinkSink
  readonly #ledger: DeliveryLedger
  readonly #timer: NodeJS.Timeout
  readonly #keepaliveWaiters: (() => void)[] = []
  readonly #commitWaiters: (() => void)[] = []
  #paused = false
  readonly #onInterval: () => void
  #released = false
  /** Cleared once the stream or the connection ended or failed: nothing more may be written. */
  #writable = true
  /** Resolves once the server has started streaming (CopyBothResponse); rejects with why it did not. */
  readonly started: Promise<void>

  constructor({ client, stream, channels, sink, ledger, lostError, onInterval }: LogicalLinkInit) {
    this.#client = client
    this.#stream = stream
    this.#channels = new Set(channels)
    this.#sink = sink
    this.#ledger = ledger
    this.#onInterval = onInterval
    const lost = (error: unknown): void => {
      this.#writable = false
      if (!this.#released) sink.lost(lostError(error))
    }
    this.started = new Promise<void>((resolve, reject) => {
      // Written once the server answers START_REPLICATION with CopyBothResponse (the stream holds it until then).
      stream.write(statusUpdate(ledger.ackable, false), (error) => (error == null ? resolve() : reject(lostError(error))))
      stream.once('error', reject)
    })
    this.started.catch(() => {}) // observed by the transport; a late rejection is also reported as a loss
    stream.on('data', this.#onFrame)
    stream.on('error', lost)
    stream.on('end', () => lost(new Error('the server ended replication')))
    client.on('error', lost)
    client.on('end', () => lost(new Error('the replication connection ended')))
    this.#timer = setInterval(() => {
      this.sendStatus(false)
      onInterval()
    }, STATUS_INTERVAL_MS)
    this.#timer.unref()
  }

  /** Tells the server how far the consumer is done (the ledger's acknowledgeable position); `reply` asks for a keepalive back. */
  sendStatus(reply: boolean): void {
    if (this.#released || !this.#writable || this.#stream.destroyed) return
    const position = this.#ledger.ackable
    if (position === 0n && !reply) return
    this.#stream.write(statusUpdate(position, reply))
  }

  readonly #onFrame = (frame: Buffer): void => {
    let decoded
    try {
      decoded = decodeServerFrame(frame)
    } catch (error) {
      this.#sink.lost(new ConnectionError(`could not read the replication stream: ${(error as Error).message}`, { cause: error }))
      return
    }
    if (decoded.kind === 'keepalive') {
      this.#ledger.keepalive(decoded.walEnd)
      if (decoded.replyRequested) this.sendStatus(false)
      for (const wake of this.#keepaliveWaiters.splice(0)) wake()
      return
    }
    this.#onMessage(decoded.message)
  }

  #onMessage(message: PgoutputMessage): void {
    switch (message.type) {
      case 'begin':
        return this.#ledger.begin(message.commitLsn)
      case 'commit':
        this.#ledger.commit(message.endLsn)
        for (const wake of this.#commitWaiters.splice(0)) wake()
        return
      case 'message': {
        if (!message.transactional || !message.prefix.startsWith(MESSAGE_PREFIX)) return
        const channel = message.prefix.slice(MESSAGE_PREFIX.length)
        if (!this.#channels.has(channel) || !this.#ledger.admit()) return
        this.#sink.deliver(createPositionedNotification(channel, message.content.toString('utf8'), 0, formatLsn(message.lsn)))
        return
      }
      default:
        return
    }
  }

  /** Resolves at the next Commit, or after {@link END_ON_RELEASE_MS}. */
  #nextCommit(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, END_ON_RELEASE_MS)
      this.#commitWaiters.push(() => {
        clearTimeout(timer)
        resolve()
      })
    })
  }

  async listen(channel: string): Promise<void> {
    this.#channels.add(channel)
  }

  async unlisten(channel: string): Promise<void> {
    this.#channels.delete(channel)
  }

  async unlistenAll(): Promise<void> {
    this.#channels.clear()
  }

  pause(): void {
    this.#paused = true
    this.#stream.pause()
  }

  resume(): void {
    this.#paused = false
    this.#stream.resume()
  }

  /** A status update asking for a reply, answered by the server's next keepalive; the channel filter is client-side, so it cannot tell the set. */
  probe(): Promise<undefined> {
    this.#onInterval()
    return new Promise((resolve) => {
      this.#keepaliveWaiters.push(() => resolve(undefined))
      this.sendStatus(true)
    })
  }

  /**
   * Ends the replication connection (its temporary slot goes with it),
   * first telling the server what is acknowledged. When the consumer is done
   * with a transaction whose Commit has not arrived yet, waits for it (within
   * the release bound), so that what was consumed is not delivered again.
   */
  async release(): Promise<void> {
    if (this.#released) return
    if (this.#ledger.awaitingCommit && !this.#paused && this.#writable) await this.#nextCommit()
    if (this.#released) return
    this.sendStatus(false)
    this.#released = true
    clearInterval(this.#timer)
    this.#stream.removeListener('data', this.#onFrame)
    const socket = (this.#client as unknown as { connection: { stream: { destroy(): void } } }).connection.stream
    const ended = this.#client.end().catch(() => {})
    const timer = setTimeout(() => socket.destroy(), END_ON_RELEASE_MS)
    await ended
    clearTimeout(timer)
  }
}
