import type { DB, Session } from '@liteorm/core'

/**
 * A session on SQLite: the DB itself, or a transaction made from it (what
 * `transaction` hands its callback). Made by {@link open}; never constructed
 * directly.
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
export interface SqliteSession<S = unknown> extends Session<S> {
  readonly dialect: 'sqlite'
}

/**
 * The DB {@link open} returns: an {@link SqliteSession} that owns the
 * connection. Its `query`, `queryOne` and `exec` run at once, synchronously,
 * when the connection is free, and through Kysely, waiting their turn, when
 * it is not. `close()` closes its listeners, then the connection, after the
 * transaction running on it (if any) ends; idempotent, and later calls on
 * the DB reject with `ClosedError`.
 *
 * ### Examples
 *
 * ```ts
 * const db = open('app.db')
 * console.log(db.filename)   // the absolute path
 * await db.close()           // closes its listeners, then the connection
 * ```
 */
export interface SqliteDB<S = unknown> extends DB<S> {
  readonly dialect: 'sqlite'
  /** The database file's absolute path, or `':memory:'`. */
  readonly filename: string
}
