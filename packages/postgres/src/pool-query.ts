import type { QueryResult } from 'kysely'
import type pg from 'pg'
import type { PostgresContext } from './postgres-context.js'

/**
 * Runs one statement on a connection checked out of the DB's pool (idle
 * connections checked first, see `idleCheckedCheckout`), mapping
 * errors through the DB's one error mapper (connect failures as connect
 * errors). Unlike `pool.query`, a statement error does not destroy the
 * connection: a broken one is no longer queryable and the pool drops it.
 *
 * ### Examples
 *
 * ```ts
 * const { rows } = await queryOnPool(context, 'select $1::int as n', [1])
 * await queryOnPool(context, { name: 'one', text: 'select $1::int as n', values: [1] }) // prepared once per connection
 * ```
 */
export async function queryOnPool<R extends pg.QueryResultRow>(
  context: PostgresContext,
  query: string | pg.QueryConfig,
  values?: readonly unknown[],
): Promise<pg.QueryResult<R>> {
  const client = await context.checkout().catch((error: unknown) => {
    throw context.mapError(error, 'connect')
  })
  try {
    // Text and values positionally where possible: pg clones a config object on every call.
    return await client.query<R>(query as string, values as unknown[])
  } catch (error) {
    throw context.mapError(error, 'query')
  } finally {
    client.release()
  }
}

const changesRows = new Set(['INSERT', 'UPDATE', 'DELETE', 'MERGE'])

/**
 * A node-postgres result in Kysely's shape: rows, and the affected-row count
 * for statements that change rows.
 *
 * ### Examples
 *
 * ```ts
 * toQueryResult(await queryOnPool(context, 'delete from t', [])) // { rows: [], numAffectedRows: 3n }
 * ```
 */
export function toQueryResult<R>(result: pg.QueryResult): QueryResult<R> {
  const rows = (result.rows ?? []) as R[]
  return changesRows.has(result.command) ? { rows, numAffectedRows: BigInt(result.rowCount ?? 0) } : { rows }
}
