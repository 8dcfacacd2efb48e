import { sql, type CompiledQuery, type Kysely, type QueryResult, type RawBuilder, type Transaction } from 'kysely'
import { ClosedError, InvalidArgumentError, NoRowsError } from './errors.js'
import { compileQuery, type TemplateCache } from './query-compiler.js'
import type { Dialect, Query, Result, Session, TransactionOptions } from './session.js'

/** State shared by a DB and every transaction session made from it. */
export interface SessionScope {
  /** Set once the DB is closed; every later call rejects with it. */
  closedError: ClosedError | undefined
  /** The SQL of the DB's `sql` templates compiled so far; made on first use. */
  templates?: TemplateCache
}

const isolationLevels = new Set(['read uncommitted', 'read committed', 'repeatable read', 'serializable'])

/**
 * The {@link Session} both backends share, built on a Kysely instance. A
 * backend subclasses it to say how to make a session for a transaction
 * (`fork`) and which transaction options it supports.
 *
 * ### Examples
 *
 * ```ts
 * class SqliteKyselySession<S> extends KyselySession<S, SqliteContext> {
 *   readonly dialect = 'sqlite'
 *   protected fork(kysely: Kysely<S>, depth: number) { return new SqliteKyselySession(kysely, this.scope, depth) }
 * }
 * ```
 */
export abstract class KyselySession<S, C extends SessionScope = SessionScope> implements Session<S> {
  abstract readonly dialect: Dialect
  readonly kysely: Kysely<S>
  /** The DB's shared state, in the backend's own shape. */
  protected readonly scope: C
  /** 0 on the DB, 1 in a transaction, 2+ in savepoints. */
  protected readonly depth: number

  constructor(kysely: Kysely<S>, scope: C, depth = 0) {
    this.kysely = kysely
    this.scope = scope
    this.depth = depth
  }

  /** Makes the session handed to a transaction's callback. */
  protected abstract fork(kysely: Kysely<S>, depth: number): KyselySession<S, C>

  /**
   * Runs a compiled query on this session. The default goes through Kysely's
   * executor; a backend may take a shorter path where it is equivalent (the
   * DB itself, outside any transaction), mapping errors the same way.
   */
  protected runCompiled<R>(compiled: CompiledQuery<R>): Promise<QueryResult<R>> {
    return this.kysely.executeQuery<R>(compiled)
  }

  /** Checks options of an outermost transaction; the default accepts PostgreSQL's. */
  protected checkTransactionOptions(options: TransactionOptions): void {
    if (options.readOnly !== undefined && typeof options.readOnly !== 'boolean') {
      throw new InvalidArgumentError(`readOnly must be true or false, got ${typeof options.readOnly}`)
    }
    if (options.isolationLevel !== undefined && !isolationLevels.has(options.isolationLevel)) {
      throw new InvalidArgumentError(
        `isolationLevel ${JSON.stringify(options.isolationLevel)} is not one of ${[...isolationLevels].join(', ')}`,
      )
    }
  }

  async query<R = Record<string, unknown>>(q: Query<R>): Promise<R[]> {
    return (await this.#run(q)).rows
  }

  async queryOne<R = Record<string, unknown>>(q: Query<R>): Promise<R> {
    const { rows } = await this.#run(q)
    if (rows.length === 0) throw new NoRowsError()
    return rows[0]!
  }

  async exec(q: Query<unknown>): Promise<Result> {
    return toResult(await this.#run(q))
  }

  async transaction<T>(fn: (tx: Session<S>) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    this.#assertOpen()
    if (typeof fn !== 'function') throw new InvalidArgumentError('transaction needs a function: db.transaction(async (tx) => { ... })')
    if (this.depth > 0) {
      if (options.isolationLevel !== undefined || options.readOnly !== undefined) {
        throw new InvalidArgumentError('isolationLevel and readOnly apply to the outermost transaction only; a nested transaction is a savepoint')
      }
      return this.#savepoint(fn)
    }
    this.checkTransactionOptions(options)
    let builder = this.kysely.transaction()
    if (options.isolationLevel !== undefined) builder = builder.setIsolationLevel(options.isolationLevel)
    let accessMode: RawBuilder<unknown> | undefined
    if (options.readOnly !== undefined) {
      // Kysely 0.27 has no setAccessMode: the mode is then the transaction's first statement.
      if (typeof builder.setAccessMode === 'function') builder = builder.setAccessMode(options.readOnly ? 'read only' : 'read write')
      else accessMode = this.accessModeStatement(options.readOnly)
    }
    return builder.execute(async (trx: Transaction<S>) => {
      if (accessMode !== undefined) await accessMode.execute(trx)
      return fn(this.fork(trx, 1))
    })
  }

  /**
   * The statement that makes a just-begun transaction read-only or
   * read-write, for Kysely versions without `setAccessMode` (0.27): standard
   * SQL's `SET TRANSACTION`, which PostgreSQL takes. A backend without it
   * overrides this and throws `InvalidArgumentError`.
   */
  protected accessModeStatement(readOnly: boolean): RawBuilder<unknown> {
    return readOnly ? sql`set transaction read only` : sql`set transaction read write`
  }

  async #savepoint<T>(fn: (tx: Session<S>) => Promise<T>): Promise<T> {
    const name = sql.id(`liteorm_savepoint_${this.depth}`)
    await sql`savepoint ${name}`.execute(this.kysely)
    let result: T
    try {
      result = await fn(this.fork(this.kysely, this.depth + 1))
    } catch (error) {
      await sql`rollback to savepoint ${name}`.execute(this.kysely)
      await sql`release savepoint ${name}`.execute(this.kysely)
      throw error
    }
    await sql`release savepoint ${name}`.execute(this.kysely)
    return result
  }

  #run<R>(q: Query<R>): Promise<QueryResult<R>> {
    this.#assertOpen()
    return this.runCompiled(this.#compile(q))
  }

  #compile<R>(q: Query<R>): CompiledQuery<R> {
    return compileQuery(q, this.kysely, (this.scope.templates ??= new WeakMap()))
  }

  #assertOpen(): void {
    if (this.scope.closedError !== undefined) throw this.scope.closedError
  }
}

/**
 * A Kysely query result as a session's `exec` reports it:
 * `{ rowsAffected, insertId? }`, with 0 rows affected when Kysely reports none.
 *
 * ### Examples
 *
 * ```ts
 * toResult({ rows: [], numAffectedRows: 1n, insertId: 7n }) // { rowsAffected: 1, insertId: 7n }
 * ```
 */
export function toResult({ numAffectedRows, insertId }: Pick<QueryResult<unknown>, 'numAffectedRows' | 'insertId'>): Result {
  const rowsAffected = numAffectedRows === undefined ? 0 : Number(numAffectedRows)
  return insertId === undefined ? { rowsAffected } : { rowsAffected, insertId }
}
