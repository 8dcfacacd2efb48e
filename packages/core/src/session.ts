import type { Compilable, CompiledQuery, Kysely, RawBuilder } from 'kysely'

/** The database a session talks to. */
export type Dialect = 'postgres' | 'sqlite'

/**
 * What `query`, `queryOne` and `exec` accept: a Kysely query builder, a
 * `CompiledQuery`, or a `sql` template. Values are always bound as
 * parameters, never interpolated.
 */
export type Query<R> = Compilable<R> | CompiledQuery<R> | RawBuilder<R>

/** What `exec` reports about a statement. */
export interface Result {
  /** Rows inserted, updated or deleted; 0 for statements that change none. */
  readonly rowsAffected: number
  /** The last inserted row id, where the database reports one (SQLite). */
  readonly insertId?: bigint
}

/** Options of {@link Session.transaction}; only the outermost transaction takes them. */
export interface TransactionOptions {
  /** Isolation level; the database's default (read committed on PostgreSQL) when unset. */
  readonly isolationLevel?: 'read uncommitted' | 'read committed' | 'repeatable read' | 'serializable'
  /** Start the transaction read-only. */
  readonly readOnly?: boolean
}

/**
 * What a DB and a transaction both are: something to run queries on. Every
 * method rejects with a {@link LiteormError} subclass; after the DB is
 * closed, with `ClosedError`.
 *
 * ### Examples
 *
 * ```ts
 * async function countUsers(s: Session<DB>): Promise<number> {
 *   const row = await s.queryOne(s.kysely.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')))
 *   return Number(row.n)
 * }
 * await countUsers(db)                                  // on the pool
 * await db.transaction((tx) => countUsers(tx))          // inside a transaction
 * ```
 */
export interface Session<S = unknown> {
  /** Which database this session is on. */
  readonly dialect: Dialect
  /** Kysely's typed query builder bound to this session; in a transaction it runs on the transaction. */
  readonly kysely: Kysely<S>
  /** Runs `q` and returns its rows. */
  query<R = Record<string, unknown>>(q: Query<R>): Promise<R[]>
  /** Runs `q` and returns its first row; rejects with `NoRowsError` when there is none. */
  queryOne<R = Record<string, unknown>>(q: Query<R>): Promise<R>
  /** Runs a statement and reports the rows it affected. */
  exec(q: Query<unknown>): Promise<Result>
  /**
   * Runs `fn` in a transaction: commits when it resolves, rolls back when it
   * throws (and rethrows). Called on a transaction, it becomes a savepoint.
   */
  transaction<T>(fn: (tx: Session<S>) => Promise<T>, options?: TransactionOptions): Promise<T>
}

/**
 * A session that owns connections: the value `open` returns.
 *
 * ### Examples
 *
 * ```ts
 * const db = open(process.env.DATABASE_URL)
 * try { await db.exec(sql`select 1`) } finally { await db.close() }
 * ```
 */
export interface DB<S = unknown> extends Session<S> {
  /**
   * Closes the listeners opened on this DB, then every connection. Idempotent;
   * later calls on the DB reject with `ClosedError`.
   */
  close(): Promise<void>
}
