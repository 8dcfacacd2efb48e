import { withErrorMapping } from '@liteorm/core/backend'
import { Kysely, PostgresDialect } from 'kysely'
import pg from 'pg'
import { copyCapablePool } from './copy-capable-pool.js'
import { idleCheckedCheckout } from './idle-check.js'
import { createPostgresErrorMapper } from './postgres-error-mapper.js'
import type { PostgresDB } from './postgres-db.js'
import { PostgresKyselyDB } from './postgres-session.js'
import type { PostgresContext } from './postgres-context.js'
import { resolvePools, type OpenOptions } from './open-options.js'
import { describeTarget, secretOf } from './redact-dsn.js'

/**
 * Opens a DB on PostgreSQL. Synchronous: the pool connects lazily, on the
 * first query. `open()` with no argument reads `DATABASE_URL` (and
 * `LITEORM_LISTEN_URL` as the listeners' `listenUrl`). Throws
 * {@link InvalidArgumentError} for a missing or malformed DSN or bad
 * options; the message never contains a DSN or its password.
 *
 * A pool liteorm makes gets `connectionTimeoutMillis: 10000` (a connect
 * never hangs) and `keepAlive: true` unless the options say otherwise. Every
 * connection liteorm uses gets an `error` handler, so a connection dropped
 * by the server never crashes the process.
 *
 * ### Examples
 *
 * ```ts
 * const db = open('postgres://app:secret@localhost:5432/app')
 * const db2 = open({ url: process.env.DATABASE_URL, max: 20 })
 * const db3 = open({ url: pooledUrl, listenUrl: directUrl }) // behind PgBouncer in transaction mode
 * const db4 = open({ pool: appPool }) // the application's own pg.Pool, left open by db4.close()
 * const rows = await db.query(sql<{ now: Date }>`select now()`)
 * ```
 */
export function open<S = unknown>(dsnOrOptions?: string | OpenOptions): PostgresDB<S> {
  const { pool, owned, config, dsn, listen, checkIdleAfterMs, largePayloads } = resolvePools(dsnOrOptions)
  // A checked-out connection that breaks (backend terminated, server gone)
  // also rejects the query in flight, which is where the caller hears of it;
  // without a listener, its 'error' event would crash the process.
  const arm = (client: pg.PoolClient): void => {
    if (armed.has(client)) return
    armed.add(client)
    client.on('error', ignore)
  }
  for (const own of [owned ? pool : undefined, listen?.pool]) {
    own?.on('error', ignore) // an idle connection failed: the pool has dropped it already
    own?.on('connect', arm)
  }
  if (!owned) pool.on('acquire', arm) // connections the application's pool made before or without us
  const target = describeTarget(dsn === undefined ? config : { ...config, connectionString: dsn })
  const checkout = idleCheckedCheckout(pool, checkIdleAfterMs)
  const context: PostgresContext = {
    pool,
    checkout,
    listenPool: listen?.pool ?? pool,
    selfCheck: undefined,
    largePayloads,
    target,
    mapError: createPostgresErrorMapper(target, [secretOf(config), listen === undefined ? undefined : secretOf(listen.config)]),
    resources: new Set(),
    closedError: undefined,
    ownedPools: [...(owned ? [pool] : []), ...(listen === undefined ? [] : [listen.pool])],
    // Kysely's destroy() may have ended the main pool already (see copyCapablePool); the listen pool is ours alone.
    detach: async () => {
      await listen?.pool.end()
      if (!owned) pool.off('acquire', arm)
      else if (!pool.ending) await pool.end()
    },
  }
  const kysely = new Kysely<S>({ dialect: withErrorMapping(new PostgresDialect({ pool: copyCapablePool(pool, owned, checkout) }), context.mapError) })
  return PostgresKyselyDB.create(kysely, context)
}

/** Clients given an 'error' listener, once each, whichever pool they come from. */
const armed = new WeakSet<pg.PoolClient>()

function ignore(): void {}
