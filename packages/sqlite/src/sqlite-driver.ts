import type Database from 'better-sqlite3'
import type { DatabaseConnection, Driver, TransactionSettings } from 'kysely'
import { SqliteConnection } from './sqlite-connection.js'

/** What the driver tells the rest of the backend about transactions. */
export interface TransactionHooks {
  /** A transaction began on the connection. */
  began(): void
  /** It committed. Called synchronously after COMMIT returned, before anything else can run on the connection. */
  committed(): void
  /** It rolled back (or was already gone). */
  rolledBack(): void
}

/**
 * The Kysely driver of an SQLite DB: one better-sqlite3 connection, shared
 * under a mutex (a transaction holds it from BEGIN to COMMIT), with
 * liteorm's transaction control:
 *
 * - A read-write transaction starts with `BEGIN IMMEDIATE`: it takes the
 *   write lock at once (waiting up to the busy timeout), so it can never
 *   fail half-way with `SQLITE_BUSY_SNAPSHOT` when it first writes.
 * - A read-only one starts with `BEGIN DEFERRED` under `PRAGMA query_only`,
 *   so it runs beside writers and any write in it fails.
 * - ROLLBACK is skipped when SQLite already ended the transaction, so the
 *   original error is the one reported.
 *
 * The DB also takes the connection synchronously with {@link takeNow} for a
 * statement that runs at once, outside Kysely, when no one holds it or is
 * on the way to it. Its methods reject with better-sqlite3's errors; the
 * dialect maps them.
 *
 * ### Examples
 *
 * ```ts
 * const driver = new SqliteDriver(raw, { began() {}, committed() {}, rolledBack() {} })
 * ```
 */
export class SqliteDriver implements Driver {
  readonly #raw: Database.Database
  readonly #connection: SqliteConnection
  readonly #hooks: TransactionHooks
  readonly #waiting: (() => void)[] = []
  #locked = false
  #readOnly = false
  /**
   * Kysely is starting the driver. The calls that wait for its start ask for
   * the connection as soon as it is done, all within a few microtask turns,
   * long before the first of them can give the connection back (Kysely takes
   * many turns between acquiring and releasing). So until the connection is
   * next free with no one waiting, {@link takeNow} refuses, and no call
   * overtakes them. Once started, Kysely asks for the connection
   * synchronously, within the call that wants it.
   */
  #starting = false

  constructor(raw: Database.Database, hooks: TransactionHooks) {
    this.#raw = raw
    this.#connection = new SqliteConnection(raw)
    this.#hooks = hooks
  }

  async init(): Promise<void> {
    this.#starting = true
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    await this.#lock()
    return this.#connection
  }

  async releaseConnection(): Promise<void> {
    this.#unlock()
  }

  async beginTransaction(_connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    const readOnly = settings.accessMode === 'read only'
    if (readOnly) {
      this.#raw.pragma('query_only = ON')
      try {
        this.#raw.exec('BEGIN DEFERRED')
      } catch (error) {
        this.#raw.pragma('query_only = OFF')
        throw error
      }
    } else {
      this.#raw.exec('BEGIN IMMEDIATE')
    }
    this.#readOnly = readOnly
    this.#hooks.began()
  }

  async commitTransaction(): Promise<void> {
    this.#raw.exec('COMMIT')
    this.#end()
    this.#hooks.committed()
  }

  async rollbackTransaction(): Promise<void> {
    try {
      if (this.#raw.inTransaction) this.#raw.exec('ROLLBACK')
    } finally {
      this.#end()
      this.#hooks.rolledBack()
    }
  }

  /**
   * The connection, held at once, when no one holds it or waits for it (nor
   * is still on the way to it through Kysely's start-up); `undefined`
   * otherwise, and the caller goes through Kysely, which queues. A caller
   * that got it runs its statement synchronously and then calls
   * {@link giveBack}.
   */
  takeNow(): SqliteConnection | undefined {
    if (this.#locked || this.#starting) return undefined
    this.#locked = true
    return this.#connection
  }

  /** Gives back the connection {@link takeNow} handed out, to the next waiter if any. */
  giveBack(): void {
    this.#unlock()
  }

  /** Waits for the connection to be free (a running transaction ends first), then closes it. */
  async destroy(): Promise<void> {
    await this.#lock()
    this.#connection.clear()
    this.#raw.close()
  }

  #end(): void {
    if (this.#readOnly) this.#raw.pragma('query_only = OFF')
    this.#readOnly = false
  }

  #lock(): Promise<void> {
    if (!this.#locked) {
      this.#locked = true
      return Promise.resolve()
    }
    return new Promise((resolve) => this.#waiting.push(resolve))
  }

  #unlock(): void {
    const next = this.#waiting.shift()
    if (next !== undefined) return next()
    this.#locked = false
    this.#starting = false
  }
}
