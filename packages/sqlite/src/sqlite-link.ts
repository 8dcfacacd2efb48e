import { BusyError, ConnectionError, MissedNotificationsError, type LiteormError } from '@liteorm/core'
import { createNotification, type LinkSink, type ListenerLink, type ListenerTransport } from '@liteorm/core/backend'
import { ChannelSpans } from './channel-spans.js'
import { onCommit } from './commit-signal.js'
import { FileSource, MemorySource, type NotificationSource } from './notification-source.js'
import type { SqliteContext } from './sqlite-context.js'

/** Rows read per query while catching up. */
const BATCH = 500

/**
 * How an SQLite listener opens its links: a source on the notifications
 * table (a read-only connection of its own on a file; the DB's connection
 * on `:memory:`). What must outlive a link lives here: the cursor (the last
 * id read) and the spans of ids each channel is heard in, so that a new
 * link after a gap or a failed read goes on where the last one stopped.
 *
 * ### Examples
 *
 * ```ts
 * const listener = await ListenerCore.open({ transport: new SqliteTransport(context, 10), channels, settings })
 * ```
 */
export class SqliteTransport implements ListenerTransport {
  readonly target: string
  readonly context: SqliteContext
  readonly pollIntervalMs: number
  readonly spans = new ChannelSpans()
  /** The id of the last row read; set by the first link. */
  cursor: number | undefined

  constructor(context: SqliteContext, pollIntervalMs: number) {
    this.context = context
    this.pollIntervalMs = pollIntervalMs
    this.target = `SQLite database ${context.settings.filename}`
  }

  /** Opens a source, hears exactly `channels` from now on, and starts watching for commits. */
  async open(channels: readonly string[], sink: LinkSink): Promise<ListenerLink> {
    const { context } = this
    if (context.closedError !== undefined) throw context.closedError
    let source: NotificationSource | undefined
    try {
      source = context.settings.memory ? new MemorySource(context) : new FileSource(context.settings)
      const latest = source.latestId()
      this.cursor ??= latest
      for (const channel of this.spans.channels) if (!channels.includes(channel)) this.spans.remove(channel, latest)
      for (const channel of channels) this.spans.add(channel, latest)
      return new SqliteLink(this, source, sink)
    } catch (error) {
      source?.close()
      throw context.mapError(error, 'connect')
    }
  }
}

/** One source of a listener, read on commits and polls. Made by {@link SqliteTransport.open}. */
class SqliteLink implements ListenerLink {
  readonly #transport: SqliteTransport
  readonly #source: NotificationSource
  readonly #sink: LinkSink
  readonly #unsubscribe: () => void
  readonly #timer: NodeJS.Timeout | undefined
  #lastVersion: number | undefined
  #paused = false
  #released = false
  #wakeQueued = false

  constructor(transport: SqliteTransport, source: NotificationSource, sink: LinkSink) {
    this.#transport = transport
    this.#source = source
    this.#sink = sink
    this.#lastVersion = source.dataVersion()
    this.#unsubscribe = onCommit(transport.context.key, this.#wake)
    if (this.#lastVersion !== undefined) this.#timer = setInterval(this.#poll, transport.pollIntervalMs)
    this.#wake() // rows committed after the cursor (after a gap): held until onReset has run
  }

  async listen(channel: string): Promise<void> {
    this.#transport.spans.add(channel, this.#latestId())
  }

  async unlisten(channel: string): Promise<void> {
    this.#transport.spans.remove(channel, this.#latestId())
  }

  async unlistenAll(): Promise<void> {
    const latest = this.#latestId()
    for (const channel of this.#transport.spans.channels) this.#transport.spans.remove(channel, latest)
  }

  pause(): void {
    this.#paused = true
  }

  resume(): void {
    this.#paused = false
    this.#wake()
  }

  async probe(): Promise<undefined> {
    try {
      this.#source.ping()
    } catch (error) {
      throw this.#asConnectionError(error)
    }
    return undefined
  }

  async release(): Promise<void> {
    if (this.#released) return
    this.#released = true
    clearInterval(this.#timer)
    this.#unsubscribe()
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
    if (this.#paused || this.#released) return
    try {
      const version = this.#source.dataVersion()
      if (version === this.#lastVersion) return
      this.#lastVersion = version
    } catch (error) {
      this.#readFailed(error)
      return
    }
    this.#pull()
  }

  /** Reads every committed row after the cursor, delivering those of our channels, until caught up or paused. */
  #pull(): void {
    if (this.#paused || this.#released) return
    const transport = this.#transport
    const { spans } = transport
    try {
      for (;;) {
        const batch = this.#source.read(transport.cursor!, BATCH)
        if (batch === undefined) return
        if (batch.prunedThrough > transport.cursor!) return this.#gap(batch.prunedThrough)
        for (const row of batch.rows) {
          transport.cursor = row.id
          if (spans.hears(row.channel, row.id)) this.#sink.deliver(createNotification(row.channel, row.payload, row.pid))
          if (this.#paused) break
        }
        if (this.#paused || batch.rows.length < BATCH) break
      }
    } catch (error) {
      this.#readFailed(error)
    } finally {
      spans.forgetBefore(transport.cursor!)
    }
  }

  /** Rows up to `prunedThrough` were pruned unread: skip them, and report it as a lost link (the next one goes on from there). */
  #gap(prunedThrough: number): void {
    const transport = this.#transport
    const from = transport.cursor! + 1
    transport.cursor = prunedThrough
    this.#sink.lost(
      new MissedNotificationsError(
        `notifications ${from}..${prunedThrough} were pruned before this listener read them: ` +
          'it fell further behind than the notifiers keep rows (notificationRetentionMs)',
        { code: 'PRUNED', dropped: prunedThrough - from + 1 },
      ),
    )
  }

  #readFailed(error: unknown): void {
    if (this.#released) return
    const mapped = this.#transport.context.mapError(error, 'query')
    // Another connection is busy with the file (a checkpoint, a writer in rollback-journal mode): next poll.
    if (mapped instanceof BusyError) return
    this.#sink.lost(this.#asConnectionError(error))
  }

  #latestId(): number {
    try {
      return this.#source.latestId()
    } catch (error) {
      throw this.#transport.context.mapError(error, 'query')
    }
  }

  #asConnectionError(error: unknown): LiteormError {
    const { context } = this.#transport
    const mapped = context.mapError(error, 'query')
    if (mapped instanceof ConnectionError) return mapped
    return new ConnectionError(`the listener cannot read SQLite database ${context.settings.filename}: ${mapped.message}`, { cause: error })
  }
}
