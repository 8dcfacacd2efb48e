import type pg from 'pg'

/** When each pooled connection was last handed back, for the idle check. */
const releasedAt = new WeakMap<pg.PoolClient, number>()

/** Pools whose releases are already timed: one listener per pool, however many DBs share it. */
const timedPools = new WeakSet<pg.Pool>()

/** How many connections that fail the idle check one checkout replaces before it gives up. */
const MAX_REPLACED = 5

/**
 * Checks connections out of `pool` the way liteorm's queries and
 * transactions do: a connection that sat idle in the pool for
 * `checkIdleAfterMs` or longer is first sent an empty statement, and one
 * that fails it (its server side gone in a restart, a failover or a network
 * timeout) is destroyed and replaced, before any statement of the caller
 * runs on it. Costs one round trip per such checkout; `0` turns it off.
 * Rejects with what `pool.connect()` rejects with, or with the last
 * failure after {@link MAX_REPLACED} dead connections in a row.
 *
 * ### Examples
 *
 * ```ts
 * const checkout = idleCheckedCheckout(pool, 10_000)
 * const client = await checkout()
 * ```
 */
export function idleCheckedCheckout(pool: pg.Pool, checkIdleAfterMs: number): () => Promise<pg.PoolClient> {
  if (checkIdleAfterMs === 0) return () => pool.connect()
  if (!timedPools.has(pool)) {
    timedPools.add(pool)
    pool.on('release', (_error: Error | undefined, client: pg.PoolClient) => void releasedAt.set(client, performance.now()))
  }
  return async () => {
    for (let replaced = 0; ; replaced++) {
      const client = await pool.connect()
      const since = releasedAt.get(client)
      if (since === undefined || performance.now() - since < checkIdleAfterMs) return client
      try {
        await client.query(';')
        return client
      } catch (error) {
        client.release(true)
        if (replaced >= MAX_REPLACED) throw error
      }
    }
  }
}
