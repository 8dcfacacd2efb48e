import { ConnectionError, LiteormError, QueryCanceledError } from '@liteorm/core'
import type pg from 'pg'
import { queryOnPool } from './pool-query.js'
import type { PostgresContext } from './postgres-context.js'

/**
 * Up to this many notifications are sent as `select pg_notify($1, $2), pg_notify($3, $4), …`
 * (a fifth cheaper for the server than `unnest` at four); larger batches use {@link NOTIFY_UNNEST}.
 */
const MAX_LISTED = 16

/** `select pg_notify($1, $2), …` for 1 to {@link MAX_LISTED} notifications (at index count − 1); each prepared once per connection. */
const NOTIFY_LISTED: readonly Readonly<pg.QueryConfig>[] = Array.from({ length: MAX_LISTED }, (_, i) => {
  const count = i + 1
  const calls = Array.from({ length: count }, (_, k) => `pg_notify($${2 * k + 1}, $${2 * k + 2})`)
  return Object.freeze({ name: `liteorm_notify_${count}`, text: `select ${calls.join(', ')}` })
})

/**
 * One notification: `select pg_notify($1, $2)`, as `notify` also sends it on a transaction.
 *
 * ### Examples
 *
 * ```ts
 * await tx.exec(CompiledQuery.raw(NOTIFY_ONE.text, ['jobs', '1']))
 * ```
 */
export const NOTIFY_ONE = NOTIFY_LISTED[0]!

/** Any number of notifications, in array order; prepared once per connection. */
const NOTIFY_UNNEST: Readonly<pg.QueryConfig> = Object.freeze({
  name: 'liteorm_notify_unnest',
  text: 'select count(pg_notify(c, p)) from unnest($1::text[], $2::text[]) as t(c, p)',
})

/** SQLSTATE 26000: the server lost a prepared statement (`DEALLOCATE`, `DISCARD ALL`, a pooler in transaction mode). */
const PREPARED_STATEMENT_MISSING = '26000'

/** At most this many notifications, or this many payload characters, share one statement. */
const MAX_BATCH = 1000
const MAX_BATCH_CHARS = 1 << 20

interface Pending {
  readonly channel: string
  readonly payload: string
  readonly resolve: () => void
  readonly reject: (error: unknown) => void
}

/** Notifications gathered in one turn of the event loop, sent as one autocommit statement. */
class Batch {
  readonly items: Pending[] = []
  /** `channel\0payload` of each item: PostgreSQL folds identical notifications of one transaction into one. */
  readonly #keys = new Set<string>()
  #chars = 0

  /** Adds the notification and resolves once it is committed; `undefined` when it must go in another batch. */
  add(channel: string, payload: string): Promise<void> | undefined {
    const key = `${channel}\0${payload}`
    const size = this.items.length
    if (size > 0 && (size >= MAX_BATCH || this.#chars + payload.length > MAX_BATCH_CHARS || this.#keys.has(key))) return undefined
    this.#keys.add(key)
    this.#chars += payload.length
    return new Promise((resolve, reject) => this.items.push({ channel, payload, resolve, reject }))
  }
}

/**
 * Sends a DB's autocommit notifications: those issued in the same turn of
 * the event loop (by concurrent callers) go out together as one statement
 * and one transaction, instead of one pool checkout, round trip and commit
 * each. Each caller's promise still settles only once its notification is
 * committed, and the statements stay bound: `pg_notify` called once per
 * notification in one `select` (over `unnest` for large batches), in call order.
 *
 * PostgreSQL delivers identical notifications (same channel and payload)
 * of one transaction once, so a repeat goes into the next statement: every
 * call is delivered. When a shared statement fails on the server (nothing
 * was committed), each notification is retried on its own, so a caller
 * only ever sees its own failure. A lost connection fails them all, since
 * whether the commit happened is unknown, and so does a canceled statement.
 * Statements are prepared once per connection until the server is found
 * to have lost one (a pooler in transaction mode, `DISCARD ALL`); from then
 * on they are sent unprepared.
 *
 * ### Examples
 *
 * ```ts
 * const batcher = new NotifyBatcher(context)
 * await Promise.all([batcher.send('jobs', '1'), batcher.send('jobs', '2')]) // one statement
 * ```
 */
export class NotifyBatcher {
  readonly #context: PostgresContext
  #open: Batch | undefined
  /** Until the server loses one of them once: then statements are sent unprepared for good. */
  #prepared = true

  constructor(context: PostgresContext) {
    this.#context = context
  }

  /**
   * Queues one notification for this turn's statement; resolves once it is
   * committed. Rejects with the mapped error of its statement
   * (`ConnectionError` when the pool cannot connect).
   *
   * ### Examples
   *
   * ```ts
   * await batcher.send('jobs', '{"id":1}')
   * ```
   */
  send(channel: string, payload: string): Promise<void> {
    return this.#open?.add(channel, payload) ?? this.#openBatch().add(channel, payload)!
  }

  /** A new batch that later calls join, sent after every promise continuation of this turn (callers resumed by the same event join it). */
  #openBatch(): Batch {
    const batch = new Batch()
    this.#open = batch
    process.nextTick(() => void this.#flush(batch))
    return batch
  }

  async #flush(batch: Batch): Promise<void> {
    if (this.#open === batch) this.#open = undefined
    const { items } = batch
    if (items.length === 1) return this.#sendOne(items[0]!)
    try {
      if (items.length <= MAX_LISTED) await this.#query(NOTIFY_LISTED[items.length - 1]!, items.flatMap((i) => [i.channel, i.payload]))
      else await this.#query(NOTIFY_UNNEST, [items.map((i) => i.channel), items.map((i) => i.payload)])
    } catch (error) {
      if (!rolledBack(error)) {
        for (const item of items) item.reject(error)
        return
      }
      await Promise.all(items.map((item) => this.#sendOne(item)))
      return
    }
    for (const item of items) item.resolve()
  }

  async #sendOne(item: Pending): Promise<void> {
    try {
      await this.#query(NOTIFY_ONE, [item.channel, item.payload])
      item.resolve()
    } catch (error) {
      item.reject(error)
    }
  }

  /** Runs a notify statement; a missing prepared statement failed before running, so it is sent again unprepared. */
  async #query(statement: Readonly<pg.QueryConfig>, values: unknown[]): Promise<void> {
    if (this.#prepared) {
      try {
        await queryOnPool(this.#context, { ...statement, values })
        return
      } catch (error) {
        if (!(error instanceof LiteormError && error.driverCode === PREPARED_STATEMENT_MISSING)) throw error
        this.#prepared = false
      }
    }
    await queryOnPool(this.#context, statement.text, values)
  }
}

/** Whether the server refused the statement, so nothing of it was committed (not so for a lost connection). */
function rolledBack(error: unknown): boolean {
  return !(error instanceof ConnectionError) && !(error instanceof QueryCanceledError)
}
