import { ClosedError } from '@liteorm/core'
import { KyselySession } from '@liteorm/core/backend'
import type { CompiledQuery, Kysely, QueryResult } from 'kysely'
import { PoolConnections } from './pool-connections.js'
import { queryOnPool, toQueryResult } from './pool-query.js'
import { bindContext, type PostgresContext } from './postgres-context.js'
import type { PostgresDB, PostgresSession } from './postgres-db.js'

/**
 * The {@link PostgresSession} liteorm hands out: the DB's own class's base,
 * and what a transaction's callback gets. Not exported by the package.
 *
 * ### Examples
 *
 * ```ts
 * await db.transaction(async (tx) => { tx instanceof PostgresKyselySession }) // true
 * ```
 */
class PostgresKyselySession<S> extends KyselySession<S, PostgresContext> implements PostgresSession<S> {
  readonly dialect = 'postgres' as const

  protected constructor(kysely: Kysely<S>, context: PostgresContext, depth: number) {
    super(kysely, context, depth)
    bindContext(this, context)
  }

  protected fork(kysely: Kysely<S>, depth: number): PostgresKyselySession<S> {
    return new PostgresKyselySession(kysely, this.scope, depth)
  }
}

/**
 * The {@link PostgresDB} {@link open} returns, owning the pool. Made only by
 * {@link PostgresKyselyDB.create}; not exported by the package.
 *
 * ### Examples
 *
 * ```ts
 * const db = PostgresKyselyDB.create(kysely, context)
 * ```
 */
export class PostgresKyselyDB<S> extends PostgresKyselySession<S> implements PostgresDB<S> {
  readonly #connections: readonly PoolConnections[]
  #closing: Promise<void> | undefined

  private constructor(kysely: Kysely<S>, context: PostgresContext) {
    super(kysely, context, 0)
    this.#connections = context.ownedPools.map((p) => new PoolConnections(p))
  }

  /** The DB on `context`'s pool, querying through `kysely`. Never fails. */
  static create<S>(kysely: Kysely<S>, context: PostgresContext): PostgresKyselyDB<S> {
    return new PostgresKyselyDB(kysely, context)
  }

  /** Outside any transaction, a query goes straight to the pool: Kysely's executor would add nothing but hops. */
  protected override async runCompiled<R>(compiled: CompiledQuery<R>): Promise<QueryResult<R>> {
    return toQueryResult<R>(await queryOnPool(this.scope, compiled.sql, compiled.parameters))
  }

  /**
   * Closes every listener and subscription opened on this DB, then the pool
   * (a pool given to `open({ pool })` is left open, everything liteorm
   * checked out of it released), and resolves once every connection liteorm
   * opened is closed (an in-flight listen or subscribe's included).
   * Idempotent: later calls return the same promise. Later queries reject
   * with `ClosedError`.
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
    await context.detach()
    await Promise.all(this.#connections.map((c) => c.closed()))
  }
}
