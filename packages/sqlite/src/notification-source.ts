import Database from 'better-sqlite3'
import type { SqliteSettings } from './open-settings.js'
import { NOTIFICATIONS_TABLE, SELECT_NOTIFICATIONS_SEQ, type NotificationRow } from './notifications-table.js'
import type { SqliteContext } from './sqlite-context.js'

/** One consistent read of the notifications table. */
export interface NotificationBatch {
  /** Rows after the given id, in id (= commit) order. */
  readonly rows: readonly NotificationRow[]
  /** The highest id ever pruned: rows up to it are gone. */
  readonly prunedThrough: number
}

/**
 * Where a listener reads committed notifications from. Methods throw
 * better-sqlite3's errors; a missing table reads as empty.
 */
export interface NotificationSource {
  /** The highest notification id committed now: a new listener or channel hears only what comes after it. */
  latestId(): number
  /** Up to `limit` committed rows after `after`; `undefined` when it cannot read right now (try again at the next commit). */
  read(after: number, limit: number): NotificationBatch | undefined
  /** A number that changes whenever another connection commits; `undefined` when there are none (`:memory:`). */
  dataVersion(): number | undefined
  /** A round trip to the database file. */
  ping(): void
  /** Releases what the source owns. */
  close(): void
}

const SELECT_ROWS = `select id, channel, payload, pid from ${NOTIFICATIONS_TABLE} where id > ? order by id limit ?`
const SELECT_PRUNED = 'select through from _liteorm_notifications_pruned where id = 1'

/**
 * A file database's listener source: a connection of its own on the file
 * (the DB's connection may be inside a transaction), read-only by
 * `PRAGMA query_only`, which sees every commit of every process. Throws
 * better-sqlite3's error if the file cannot be opened.
 *
 * ### Examples
 *
 * ```ts
 * const source = new FileSource(context.settings)
 * source.read(source.latestId(), 100)
 * ```
 */
export class FileSource implements NotificationSource {
  readonly #raw: Database.Database
  readonly #statements = new Map<string, Database.Statement>()
  readonly #readBatch: (after: number, limit: number) => NotificationBatch

  constructor(settings: SqliteSettings) {
    this.#raw = new Database(settings.filename, { fileMustExist: true, readonly: settings.readonly, timeout: settings.busyTimeoutMs })
    try {
      if (!settings.readonly) this.#raw.pragma('query_only = ON')
    } catch (error) {
      this.#raw.close()
      throw error
    }
    // One read transaction: rows and the pruning mark come from the same snapshot.
    this.#readBatch = this.#raw.transaction((after: number, limit: number) => ({
      rows: (this.#optional(SELECT_ROWS, 'all', after, limit) ?? []) as NotificationRow[],
      prunedThrough: numberOr0(this.#optional(SELECT_PRUNED, 'get')),
    }))
  }

  latestId(): number {
    return numberOr0(this.#optional(SELECT_NOTIFICATIONS_SEQ, 'get', NOTIFICATIONS_TABLE))
  }

  read(after: number, limit: number): NotificationBatch {
    return this.#readBatch(after, limit)
  }

  dataVersion(): number {
    return this.#statement('pragma data_version').get() as number
  }

  ping(): void {
    this.#statement('select count(*) from sqlite_master').get()
  }

  close(): void {
    this.#statements.clear()
    this.#raw.close()
  }

  #statement(sql: string): Database.Statement {
    let statement = this.#statements.get(sql)
    if (statement === undefined) {
      statement = this.#raw.prepare(sql)
      // Every statement but the row read returns one value.
      if (sql !== SELECT_ROWS) statement.pluck()
      this.#statements.set(sql, statement)
    }
    return statement
  }

  /** Runs a cached statement; `undefined` while its table does not exist yet. */
  #optional(sql: string, how: 'all' | 'get', ...args: unknown[]): unknown {
    try {
      return how === 'all' ? this.#statement(sql).all(...args) : this.#statement(sql).get(...args)
    } catch (error) {
      if (isMissingTable(error)) {
        this.#statements.delete(sql)
        return undefined
      }
      throw error
    }
  }
}

/**
 * A `:memory:` database's listener source: the DB's own connection (no
 * other can see the database), read only between transactions, so it never
 * sees uncommitted rows. Never throws on construction.
 *
 * ### Examples
 *
 * ```ts
 * const source = new MemorySource(context)
 * source.read(0, 100) // undefined while a transaction is open
 * ```
 */
export class MemorySource implements NotificationSource {
  readonly #context: SqliteContext
  /** Prepared on the first read, once the tables exist. */
  #selectRows: Database.Statement | undefined
  #selectPruned: Database.Statement | undefined

  constructor(context: SqliteContext) {
    this.#context = context
  }

  latestId(): number {
    return this.#context.committedNotificationId
  }

  read(after: number, limit: number): NotificationBatch | undefined {
    const { raw, committedNotificationId } = this.#context
    if (after >= committedNotificationId) return { rows: [], prunedThrough: 0 }
    if (!raw.open || raw.inTransaction) return undefined
    try {
      this.#selectRows ??= raw.prepare(SELECT_ROWS)
      this.#selectPruned ??= raw.prepare(SELECT_PRUNED).pluck()
      const rows = this.#selectRows.all(after, limit) as NotificationRow[]
      const prunedThrough = numberOr0(this.#selectPruned.get())
      return { rows, prunedThrough }
    } catch (error) {
      // The connection is busy iterating a streamed query: read at the next commit.
      if (error instanceof TypeError && /busy/.test(error.message)) return undefined
      throw error
    }
  }

  dataVersion(): undefined {
    return undefined
  }

  ping(): void {
    this.#context.raw.prepare('select 1').get()
  }

  close(): void {}
}

function isMissingTable(error: unknown): boolean {
  return error instanceof Error && /^no such table/.test(error.message)
}

function numberOr0(value: unknown): number {
  return typeof value === 'number' ? value : 0
}
