import { ClosedError, KyselySession, type DB } from '@liteorm/core'
import type { CompiledQuery, Kysely, QueryResult } from 'kysely'
import { queryOnPool, toQueryResult } from './pool-query.js'
import { bindContext, type PostgresContext } from './postgres-context.js'

/**
 * A session on PostgreSQL: the DB itself, or a transaction made from it.
 * Made by {@link open} and by `transaction`; not constructed directly.
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
export class PostgresSession<S> extends KyselySession<S, PostgresContext> {
  readonly dialect = 'postgres' as const

  constructor(kysely: Kysely<S>, context: PostgresContext, depth = 0) {
    super(kysely, context, depth)
    bindContext(this, context)
  }

  protected fork(kysely: Kysely<S>, depth: number): PostgresSession<S> {
    return new PostgresSession(kysely, this.scope, depth)
  }
}

/**
 * The DB {@link open} returns: a {@link PostgresSession} that owns the pool.
 *
 * ### Examples
 *
 * ```ts
 * const db = open(process.env.DATABASE_URL!)
 * await db.close()   // closes its listeners, then the pool
 * ```
 */
export class PostgresDB<S> extends PostgresSession<S> implements DB<S> {
  #closing: Promise<void> | undefined

  constructor(kysely: Kysely<S>, context: PostgresContext) {
    super(kysely, context, 0)
  }

  /** Outside any transaction, a query goes straight to the pool: Kysely's executor would add nothing but hops. */
  protected override async runCompiled<R>(compiled: CompiledQuery<R>): Promise<QueryResult<R>> {
    return toQueryResult<R>(await queryOnPool(this.scope, compiled.sql, compiled.parameters))
  }

  /**
   * Closes every listener opened on this DB, then the pool (a pool given to
   * `open({ pool })` is left open, everything liteorm checked out of it
   * released). Idempotent: later calls return the same promise. Later
   * queries reject with `ClosedError`.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close()
    return this.#closing
  }

  async #close(): Promise<void> {
    const context = this.scope
    context.closedError = new ClosedError(`the DB for ${context.target} was closed: open a new one with open()`)
    await Promise.allSettled([...context.resources].map((r) => r.close()))
    await this.kysely.destroy()
    // Kysely ends the pool only if it ever ran a query; a DB used just for
    // listening would leave its idle connections open.
    if (!context.pool.ending) await context.detach()
  }
}
