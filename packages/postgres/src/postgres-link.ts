import { ClosedError, ConnectionError, type ListenOptions, type LiteormError, type Notification } from '@liteorm/core'
import { abortable, createNotification, type LinkSink, type ListenerLink, type ListenerTransport } from '@liteorm/core/backend'
import type { EventEmitter } from 'node:events'
import type { Socket } from 'node:net'
import pg from 'pg'
import { tapNotifications } from './notification-tap.js'
import type { PostgresContext } from './postgres-context.js'
import { QueueUsageAlarm } from './queue-usage-alarm.js'
import { StoredPayloadReader } from './stored-payload-reader.js'

/** How long a reusable release waits for `UNLISTEN *` before it destroys the connection instead. */
const UNLISTEN_ON_RELEASE_MS = 1000

/** The health check's question: the LISTEN set, and how full the server's notification queue is (on every row). */
const LISTENING_CHANNELS = 'select pg_listening_channels() as channel, pg_notification_queue_usage() as usage'

/** A stored large payload, by its key, checked against the channel its notification came on. */
const READ_STORED = 'select payload from liteorm.large_payloads where id = $1 and channel = $2'

/**
 * How a PostgreSQL listener opens its links: one dedicated connection from
 * the DB's listen pool each (its pool, or `listenUrl`'s), LISTENing with quoted identifiers. The only place
 * that knows node-postgres's internals (its protocol connection, its
 * socket, the {@link tapNotifications} hookup).
 *
 * ### Examples
 *
 * ```ts
 * const listener = await ListenerCore.open({ transport: new PostgresTransport(context), channels, settings })
 * ```
 */
export class PostgresTransport implements ListenerTransport {
  readonly target: string
  readonly #context: PostgresContext
  readonly #alarm: QueueUsageAlarm | undefined

  /** `onEvent`, when given, hears of the queue usage the links' probes find. */
  constructor(context: PostgresContext, onEvent?: ListenOptions['onEvent']) {
    this.#context = context
    this.target = `PostgreSQL at ${context.target}`
    this.#alarm = onEvent === undefined ? undefined : new QueueUsageAlarm(onEvent)
  }

  /**
   * Checks out a connection and LISTENs to `channels` in one round trip; see
   * {@link ListenerTransport.open}. A pooled connection found dead by that
   * first statement (its server side gone in a restart, a failover or a kill
   * of idle backends) is destroyed and another taken, up to
   * {@link STALE_RETRIES} times: nothing has happened on it, so a retry is
   * safe.
   */
  async open(channels: readonly string[], sink: LinkSink, signal: AbortSignal): Promise<ListenerLink> {
    for (let attempt = 0; ; attempt++) {
      const opened = await this.#openOnce(channels, sink, signal)
      if (!(opened instanceof ConnectionError)) return opened
      if (attempt >= STALE_RETRIES) throw opened
    }
  }

  /** One checkout and LISTEN; resolves with the `ConnectionError` of a pooled connection found dead by that LISTEN, to be replaced. */
  async #openOnce(channels: readonly string[], sink: LinkSink, signal: AbortSignal): Promise<ListenerLink | ConnectionError> {
    const context = this.#context
    if (context.closedError !== undefined) throw context.closedError
    const pending = context.listenPool.connect()
    let client: pg.PoolClient
    try {
      client = await abortable(pending, signal)
    } catch (error) {
      // Whatever the abandoned attempt still yields goes straight back, destroyed.
      pending.then((late) => late.release(true), ignore)
      throw context.mapError(error, 'connect')
    }
    // While the first LISTEN runs, a loss is that statement's failure (reported
    // by its rejection, and perhaps retried on another connection), not the link's.
    let listening = true
    let lostMeanwhile: LiteormError | undefined
    const gated: LinkSink = { deliver: sink.deliver, lost: (error) => (listening ? (lostMeanwhile ??= error) : sink.lost(error)) }
    const link = new PostgresLink(context, client, gated, this.#alarm)
    try {
      if (channels.length > 0) await abortable(link.query(channels.map((c) => `LISTEN ${pg.escapeIdentifier(c)}`).join('; ')), signal)
    } catch (error) {
      // Closing (not a fault): let the LISTEN finish and hand the connection back, so the DB's close finds it ended cleanly.
      void link.release(signal.reason instanceof ClosedError)
      if (signal.aborted) throw signal.reason
      const mapped = context.mapError(error, 'query')
      if (mapped instanceof ConnectionError) return mapped
      throw connectionError(context, error)
    }
    listening = false
    if (lostMeanwhile !== undefined) sink.lost(lostMeanwhile)
    return link
  }
}

/** How many dead pooled connections one `open` replaces before it reports the failure. */
const STALE_RETRIES = 5

/** One checked-out connection of a listener. Made by {@link PostgresTransport.open}. */
class PostgresLink implements ListenerLink {
  readonly #context: PostgresContext
  readonly #client: pg.PoolClient
  readonly #socket: Socket
  readonly #untap: () => void
  readonly #reader: StoredPayloadReader
  readonly #alarm: QueueUsageAlarm | undefined
  readonly #onError: (error: Error) => void
  readonly #onEnd: () => void

  constructor(context: PostgresContext, client: pg.PoolClient, sink: LinkSink, alarm: QueueUsageAlarm | undefined) {
    this.#context = context
    this.#alarm = alarm
    this.#client = client
    this.#socket = connectionOf(client).stream
    // Stored large payloads are read on this connection: the row lives in the database the notification came from.
    const read = context.largePayloads === undefined ? undefined : (key: string, channel: string) => this.#readStored(key, channel)
    this.#reader = new StoredPayloadReader(sink, read, `PostgreSQL at ${context.target}`)
    this.#untap = deliverFrom(client, this.#socket, this.#reader.deliver)
    this.#onError = (error) => sink.lost(connectionError(context, error))
    this.#onEnd = () => sink.lost(new ConnectionError(`the connection to PostgreSQL at ${context.target} ended`))
    client.on('error', this.#onError)
    client.on('end', this.#onEnd)
  }

  /** Runs `text` on this connection, mapping what fails. */
  async query(text: string): Promise<pg.QueryResult> {
    try {
      return await this.#client.query(text)
    } catch (error) {
      throw this.#context.mapError(error, 'query')
    }
  }

  async #readStored(key: string, channel: string): Promise<string | undefined> {
    try {
      const { rows } = await this.#client.query<{ payload: string }>(READ_STORED, [key, channel])
      return rows[0]?.payload
    } catch (error) {
      throw this.#context.mapError(error, 'query')
    }
  }

  async listen(channel: string): Promise<void> {
    await this.query(`LISTEN ${pg.escapeIdentifier(channel)}`)
  }

  async unlisten(channel: string): Promise<void> {
    await this.query(`UNLISTEN ${pg.escapeIdentifier(channel)}`)
  }

  async unlistenAll(): Promise<void> {
    await this.query('UNLISTEN *')
  }

  pause(): void {
    this.#socket.pause()
  }

  resume(): void {
    this.#socket.resume()
  }

  async probe(): Promise<readonly string[]> {
    const { rows } = await this.query(LISTENING_CHANNELS)
    if (rows.length > 0) this.#alarm?.sample((rows[0] as { usage: number }).usage)
    return rows.map((r: { channel: string }) => r.channel)
  }

  async release(reusable: boolean): Promise<void> {
    if (reusable) {
      try {
        await abortable(this.#client.query('UNLISTEN *'), AbortSignal.timeout(UNLISTEN_ON_RELEASE_MS))
        this.#detach()
        this.#client.release()
        return
      } catch {
        // No answer in time, or the connection broke: destroy it.
      }
    }
    this.#detach()
    this.#socket.destroy()
    this.#client.release(true)
  }

  #detach(): void {
    this.#reader.stop()
    this.#untap()
    this.#client.removeListener('error', this.#onError)
    this.#client.removeListener('end', this.#onEnd)
  }
}

/**
 * Routes the connection's notifications to `deliver`: decoded straight off
 * the socket by a {@link tapNotifications} tap, or, when the socket cannot
 * be tapped, from pg's protocol-level event (the client would only re-emit
 * it). Returns the undo.
 */
function deliverFrom(client: pg.PoolClient, socket: Socket, deliver: (n: Notification) => void): () => void {
  const untap = tapNotifications(socket, deliver)
  if (untap !== undefined) return untap
  const connection = connectionOf(client)
  const onNotification = (message: pg.Notification): void => deliver(createNotification(message.channel, message.payload ?? '', message.processId))
  connection.on('notification', onNotification)
  return () => connection.removeListener('notification', onNotification)
}

/** node-postgres's protocol connection under a client: its socket, and the events it parses. */
interface ProtocolConnection extends EventEmitter {
  readonly stream: Socket
}

function connectionOf(client: pg.PoolClient): ProtocolConnection {
  return (client as unknown as { connection: ProtocolConnection }).connection
}

/** What broke the connection, as a `ConnectionError` (mapped first; a query-level error says the connection is lost). */
function connectionError(context: PostgresContext, error: unknown): LiteormError {
  const mapped = context.mapError(error, 'query')
  if (mapped instanceof ConnectionError) return mapped
  return new ConnectionError(`PostgreSQL at ${context.target}: connection lost: ${mapped.message}`, { cause: error })
}

function ignore(): void {}
