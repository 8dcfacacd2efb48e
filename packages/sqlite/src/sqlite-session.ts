import {
  ClosedError,
  InvalidArgumentError,
  KyselySession,
  type DB,
  type Query,
  type Result,
  type Session,
  type TransactionOptions,
} from '@liteorm/core'
import type { Kysely } from 'kysely'
import { DirectPath } from './direct-path.js'
import { bindContext, type SqliteContext } from './sqlite-context.js'
import type { SqliteDriver } from './sqlite-driver.js'
import { assertOutsideTransactionOf, inTransactionOf } from './transaction-scope.js'

/**
 * A session on SQLite: the DB itself, or a transaction made from it. Made by
 * {@link open} and by `transaction`; not constructed directly.
 *
 * Transactions: SQLite runs every transaction serializable, so
 * `isolationLevel` accepts `'serializable'` (or nothing) and rejects the
 * others with `InvalidArgumentError`. A read-write transaction starts with
 * `BEGIN IMMEDIATE`, taking the write lock at once (waiting up to the busy
 * timeout, then `BusyError`); `readOnly: true` starts `BEGIN DEFERRED` under
 * `PRAGMA query_only` for the transaction's duration, so it runs beside
 * writers and any write in it fails (`LiteormError`, driverCode
 * `SQLITE_READONLY`). Nested calls are savepoints.
 *
 * The DB has one connection, which a transaction holds until it ends:
 * transactions on one DB run one after another, and inside a transaction's
 * callback you use the `tx` it hands you. Calls on the DB itself from there
 * (`query`, `queryOne`, `exec`, `transaction`, `notify`) would wait for the
 * transaction forever, so they reject with `InvalidArgumentError` instead.
 *
 * ### Examples
 *
 * ```ts
 * await db.transaction(async (tx) => {            // tx is an SqliteSession
 *   await tx.exec(sql`update jobs set state = 'done' where id = ${id}`)
 *   await notify(tx, 'jobs', String(id))            // delivered at commit
 * })
 * ```
 */
export class SqliteSession<S> extends KyselySession<S, SqliteContext> {
  readonly dialect = 'sqlite' as const

  constructor(kysely: Kysely<S>, context: SqliteContext, depth = 0) {
    super(kysely, context, depth)
    bindContext(this, context, depth)
  }

  protected fork(kysely: Kysely<S>, depth: number): SqliteSession<S> {
    return new SqliteSession(kysely, this.scope, depth)
  }

  override async query<R = Record<string, unknown>>(q: Query<R>): Promise<R[]> {
    this.#assertNotWaitingOnItself('query')
    return super.query(q)
  }

  override async queryOne<R = Record<string, unknown>>(q: Query<R>): Promise<R> {
    this.#assertNotWaitingOnItself('queryOne')
    return super.queryOne(q)
  }

  override async exec(q: Query<unknown>): Promise<Result> {
    this.#assertNotWaitingOnItself('exec')
    return super.exec(q)
  }

  override async transaction<T>(fn: (tx: Session<S>) => Promise<T>, options?: TransactionOptions): Promise<T> {
    this.#assertNotWaitingOnItself('transaction')
    if (this.depth > 0 || typeof fn !== 'function') return super.transaction(fn, options)
    return super.transaction((tx) => inTransactionOf(this.scope, () => fn(tx)), options)
  }

  #assertNotWaitingOnItself(operation: string): void {
    if (this.depth === 0) assertOutsideTransactionOf(this.scope, operation)
  }

  protected override checkTransactionOptions(options: TransactionOptions): void {
    if (typeof options !== 'object' || options === null) {
      throw new InvalidArgumentError(`transaction options must be an object such as { readOnly: true }, got ${options === null ? 'null' : typeof options}`)
    }
    if (options.isolationLevel !== undefined && options.isolationLevel !== 'serializable') {
      throw new InvalidArgumentError(
        `isolationLevel ${JSON.stringify(options.isolationLevel)} is not available on SQLite, which runs every transaction serializable: ` +
          "leave it unset or pass 'serializable'",
      )
    }
    super.checkTransactionOptions(options)
  }

  /** Only reached on Kysely 0.27, which cannot hand the driver an access mode; SQLite needs it before `BEGIN`. */
  protected override accessModeStatement(): never {
    throw new InvalidArgumentError('readOnly transactions on SQLite need kysely 0.28 or later (0.27 cannot pass the access mode to the driver): upgrade kysely, or leave readOnly unset')
  }
}

/**
 * The DB {@link open} returns: an {@link SqliteSession} that owns the
 * connection. Its `query`, `queryOne` and `exec` run at once, synchronously,
 * when the connection is free (the direct path), and through Kysely,
 * waiting their turn, when it is not.
 *
 * ### Examples
 *
 * ```ts
 * const db = open('app.db')
 * await db.close()   // closes its listeners, then the connection
 * ```
 */
export class SqliteDB<S> extends SqliteSession<S> implements DB<S> {
  readonly #direct: DirectPath
  #closing: Promise<void> | undefined

  constructor(kysely: Kysely<S>, context: SqliteContext, driver: SqliteDriver) {
    super(kysely, context, 0)
    this.#direct = new DirectPath(driver, kysely, context)
  }

  override query<R = Record<string, unknown>>(q: Query<R>): Promise<R[]> {
    return this.#direct.rows(q) ?? super.query(q)
  }

  override queryOne<R = Record<string, unknown>>(q: Query<R>): Promise<R> {
    return this.#direct.first(q) ?? super.queryOne(q)
  }

  override exec(q: Query<unknown>): Promise<Result> {
    return this.#direct.exec(q) ?? super.exec(q)
  }

  /** The database file's absolute path, or `':memory:'`. */
  get filename(): string {
    return this.scope.settings.filename
  }

  /**
   * Closes every listener opened on this DB, then the connection, after the
   * transaction running on it (if any) ends. Idempotent: later calls return
   * the same promise. Later queries reject with `ClosedError`.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close()
    return this.#closing
  }

  async #close(): Promise<void> {
    const context = this.scope
    context.closedError = new ClosedError(`the DB for ${context.settings.filename} was closed: open a new one with open()`)
    await Promise.allSettled([...context.resources].map((r) => r.close()))
    await this.kysely.destroy()
  }
}
