import { ClosedError, ConnectionError, LiteormError, type ListenerEvent } from '@liteorm/core'
import { abortable, type LinkSink, type ListenerLink, type ListenerTransport } from '@liteorm/core/backend'
import { randomBytes } from 'node:crypto'
import type { Duplex } from 'node:stream'
import pg from 'pg'
import * as copyStreams from 'pg-copy-streams'
import { DeliveryLedger } from './delivery-ledger.js'
import { TEMPORARY_PREFIX } from './durable-slot.js'
import { LogicalLink } from './logical-link.js'
import { prepareReplication, PUBLICATION, replicationConnectError } from './logical-requirements.js'
import type { PostgresContext } from './postgres-context.js'
import { slotLagBytes } from './replication-status.js'

/** What a logical listener was asked for besides its channels. */
interface LogicalListenSettings {
  /** The permanent slot's name (`liteorm_<durable>`), or `undefined` for a temporary slot. */
  readonly slot: string | undefined
  /** Lag past which `onEvent` hears a `lag` event (durable only). */
  readonly lagWarningBytes: number
  readonly onEvent: ((event: ListenerEvent) => void) | undefined
}

/**
 * How a listener on a `notifications: 'logical'` DB opens its links: a
 * replication connection (`replication=database`) to the DB's `listenUrl`
 * (or `url`), a replication slot (temporary, or the durable consumer's
 * permanent one), and `START_REPLICATION` with pgoutput's logical messages,
 * read through `pg-copy-streams`' CopyBoth stream. What outlives a
 * connection (what was received and acknowledged) is its
 * {@link DeliveryLedger}; with a durable slot the core reports consumed
 * notifications through {@link LogicalTransport.acknowledge}.
 *
 * ### Examples
 *
 * ```ts
 * const listener = await ListenerCore.open({ transport: new LogicalTransport(context, settings), channels, settings: core })
 * ```
 */
export class LogicalTransport implements ListenerTransport {
  readonly target: string
  readonly #context: PostgresContext
  readonly #settings: LogicalListenSettings
  readonly #ledger: DeliveryLedger
  #link: LogicalLink | undefined
  #statusQueued = false
  #lagWarned = false
  readonly acknowledge: ((count: number) => void) | undefined

  constructor(context: PostgresContext, settings: LogicalListenSettings) {
    this.#context = context
    this.#settings = settings
    this.target = `PostgreSQL at ${context.target} (logical replication)`
    this.#ledger = new DeliveryLedger(settings.slot !== undefined, () => this.#queueStatus())
    this.acknowledge = settings.slot === undefined ? undefined : (count) => this.#ledger.consumed(count)
  }

  async open(channels: readonly string[], sink: LinkSink, signal: AbortSignal): Promise<ListenerLink> {
    const context = this.#context
    if (context.closedError !== undefined) throw context.closedError
    const options = context.listenPool.options
    const Client = (options as { Client?: typeof pg.Client }).Client ?? pg.Client
    const client = new Client({ ...options, replication: 'database' } as pg.ClientConfig)
    client.on('error', ignore) // until the link listens: failures reach us through the awaited steps
    const connecting = client.connect()
    try {
      await abortable(connecting, signal)
    } catch (error) {
      connecting.then(() => client.end(), ignore)
      if (signal.aborted) throw signal.reason
      throw replicationConnectError(context, error)
    }
    let link: LogicalLink | undefined
    try {
      const slot = this.#settings.slot ?? `${TEMPORARY_PREFIX}${process.pid}_${randomBytes(4).toString('hex')}`
      await abortable(prepareReplication(client, context, slot, this.#settings.slot === undefined), signal)
      const stream = client.query(copyBoth(startReplication(slot))) as unknown as Duplex
      this.#ledger.restart()
      link = new LogicalLink({
        client,
        stream,
        channels,
        sink,
        ledger: this.#ledger,
        lostError: (error) => this.#lostError(error),
        onInterval: () => void this.#checkLag(),
      })
      await abortable(link.started, signal)
      this.#link = link
      return link
    } catch (error) {
      if (link !== undefined) void link.release()
      else void client.end().catch(ignore)
      if (signal.aborted) throw signal.reason
      if (error instanceof LiteormError) throw error
      throw this.#lostError(error)
    }
  }

  /** Sends the acknowledgeable position once per turn of the event loop, however many transactions it covered. */
  #queueStatus(): void {
    if (this.#statusQueued) return
    this.#statusQueued = true
    setImmediate(() => {
      this.#statusQueued = false
      this.#link?.sendStatus(false)
    })
  }

  /** Durable: tells `onEvent` when the slot keeps more WAL than the threshold (once, until it falls below again). */
  async #checkLag(): Promise<void> {
    const slot = this.#settings.slot
    if (slot === undefined || this.#settings.onEvent === undefined) return
    const lagBytes = await slotLagBytes(this.#context, slot).catch(() => undefined)
    if (lagBytes === undefined) return
    const over = lagBytes > this.#settings.lagWarningBytes
    if (over && !this.#lagWarned) {
      try {
        this.#settings.onEvent({ type: 'lag', slot, lagBytes })
      } catch {
        // onEvent observes; what it throws is ignored.
      }
    }
    this.#lagWarned = over
  }

  #lostError(error: unknown): LiteormError {
    const mapped = this.#context.mapError(error, 'query')
    if (mapped instanceof ConnectionError || mapped instanceof ClosedError) return mapped
    return new ConnectionError(`${this.target}: replication stopped: ${mapped.message}`, { cause: error })
  }
}

/** `START_REPLICATION` of `slot` from where it was left, asking pgoutput for logical messages only. */
function startReplication(slot: string): string {
  return `START_REPLICATION SLOT ${pg.escapeIdentifier(slot)} LOGICAL 0/0 (proto_version '1', publication_names '${PUBLICATION}', messages 'true')`
}

/**
 * pg-copy-streams' CopyBoth query (its `both` export, which its type
 * definitions leave out): one CopyData frame per chunk read (object mode,
 * so backpressure counts frames), and what is written goes out as CopyData.
 */
function copyBoth(text: string): pg.Submittable {
  const both = (copyStreams as unknown as { both(text: string, options: object): pg.Submittable }).both
  return both(text, { alignOnCopyDataFrame: true, readableObjectMode: true })
}

function ignore(): void {}
