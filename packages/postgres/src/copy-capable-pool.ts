import type { PostgresPool, PostgresPoolClient } from 'kysely'
import type pg from 'pg'
import { CopyRequest } from './copy-request.js'

/**
 * The pool Kysely's `PostgresDialect` is given: `pool` itself, except that
 * a query whose one parameter is a {@link CopyRequest} runs that COPY on
 * the client instead of sending the text. Kysely decides which connection a
 * session runs on (the pool for a DB, the transaction's own for a
 * transaction) and hands it out only as a place to run queries; a COPY
 * travels as such a query, so it runs where any other statement of the
 * session would, inside the session's transaction, with Kysely's
 * connection bookkeeping and the session's one error mapper. Each pg client
 * keeps one wrapper, so Kysely's per-client state is kept too. Kysely's
 * `destroy()` ends `pool` only when liteorm `owned` it. Connections come
 * from `checkout` (the idle check), `pool.connect()` by default.
 *
 * ### Examples
 *
 * ```ts
 * const kysely = new Kysely<S>({ dialect: withErrorMapping(new PostgresDialect({ pool: copyCapablePool(pool, true) }), mapError) })
 * await kysely.executeQuery(CompiledQuery.raw(request.sql, [request])) // runs the COPY
 * ```
 */
export function copyCapablePool(pool: pg.Pool, owned: boolean, checkout: () => Promise<pg.PoolClient> = () => pool.connect()): PostgresPool {
  const wrappers = new WeakMap<pg.PoolClient, PostgresPoolClient>()
  return {
    async connect() {
      const client = await checkout()
      let wrapper = wrappers.get(client)
      if (wrapper === undefined) {
        wrapper = copyCapableClient(client)
        wrappers.set(client, wrapper)
      }
      return wrapper
    },
    // Kysely ends its dialect's pool when destroyed: a borrowed pool is lent to it without end().
    end: owned ? () => pool.end() : async () => {},
  }
}

function copyCapableClient(client: pg.PoolClient): PostgresPoolClient {
  const query = (text: unknown, parameters?: readonly unknown[]): unknown => {
    const request = parameters?.[0]
    if (request instanceof CopyRequest) return request.run(client)
    return parameters === undefined ? client.query(text as pg.Submittable) : client.query(text as string, parameters as unknown[])
  }
  return { query: query as PostgresPoolClient['query'], release: () => client.release() }
}
