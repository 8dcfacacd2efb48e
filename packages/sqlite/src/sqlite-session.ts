import { ClosedError, InvalidArgumentError, type Query, type Result, type Session, type TransactionOptions } from '@liteorm/core'
import { KyselySession } from '@liteorm/core/backend'
import type { Kysely } from 'kysely'
import { DirectPath } from './direct-path.js'
import { bindContext, type SqliteContext } from './sqlite-context.js'
import type { SqliteDB, SqliteSession } from './sqlite-db.js'
import type { SqliteDriver } from './sqlite-driver.js'
import { assertOutsideTransactionOf, inTransactionOf } from './transaction-scope.js'

/**
 * The {@link SqliteSession} liteorm hands out: the DB's own class's base,
 * and what a transaction's callback gets. Not exported by the package.
 *
 * ### Examples
 *
 * ```ts
 * await db.transaction(async (tx) => { tx instanceof SqliteKyselySession }) // true
 * ```
 */
class SqliteKyselySession<S> extends KyselySession<S, SqliteContext> implements SqliteSession<S> {
  readonly dialect = 'sqlite' as const

  protected constructor(kysely: Kysely<S>, context: SqliteContext, depth: number) {
    super(kysely, context, depth)
    bindContext(this, context, depth)
  }

  protected fork(kysely: Kysely<S>, depth: number): SqliteKyselySession<S> {
    return new SqliteKyselySession(kysely, this.scope, depth)
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
 * The {@link SqliteDB} {@link open} returns, owning the connection; its
 * `query`, `queryOne` and `exec` take the direct path when the connection
 * is free. Made only by {@link SqliteKyselyDB.create}; not exported by the
 * package.
 *
 * ### Examples
 *
 * ```ts
 * const db = SqliteKyselyDB.create(kysely, context, driver)
 * ```
 */
export class SqliteKyselyDB<S> extends SqliteKyselySession<S> implements SqliteDB<S> {
  readonly #direct: DirectPath
  #closing: Promise<void> | undefined

  private constructor(kysely: Kysely<S>, context: SqliteContext, driver: SqliteDriver) {
    super(kysely, context, 0)
    this.#direct = new DirectPath(driver, kysely, context)
  }

  /** The DB on `context`'s connection, querying through `kysely` (on `driver`). Never fails. */
  static create<S>(kysely: Kysely<S>, context: SqliteContext, driver: SqliteDriver): SqliteKyselyDB<S> {
    return new SqliteKyselyDB(kysely, context, driver)
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
