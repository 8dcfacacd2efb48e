import type { DB, Session } from '@liteorm/core'

/**
 * A session on PostgreSQL: the DB itself, or a transaction made from it
 * (what `transaction` hands its callback). Made by {@link open}; never
 * constructed directly.
 *
 * ### Examples
 *
 * ```ts
 * await db.transaction(async (tx) => {          // tx is a PostgresSession
 *   await tx.exec(sql`update jobs set state = 'done' where id = ${id}`)
 *   await notify(tx, 'jobs', String(id))          // delivered at commit
 * })
 * ```
 */
export interface PostgresSession<S = unknown> extends Session<S> {
  readonly dialect: 'postgres'
}

/**
 * The DB {@link open} returns: a {@link PostgresSession} that owns a pool.
 * `close()` closes its listeners and subscriptions, then the pool, and
 * resolves once every connection it opened is closed. Idempotent; later
 * calls on the DB reject with `ClosedError`.
 *
 * ### Examples
 *
 * ```ts
 * const db = open(process.env.DATABASE_URL!)
 * await db.close()   // closes its listeners, then the pool
 * ```
 */
export interface PostgresDB<S = unknown> extends DB<S> {
  readonly dialect: 'postgres'
}
