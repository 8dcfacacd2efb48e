import { InvalidArgumentError, withErrorMapping } from '@liteorm/core'
import { Kysely, PostgresDialect } from 'kysely'
import pg from 'pg'
import { createPostgresErrorMapper } from './postgres-error-mapper.js'
import { PostgresDB } from './postgres-session.js'
import type { PostgresContext } from './postgres-context.js'
import { parseDsn } from './dsn.js'
import { describeTarget, secretOf } from './redact-dsn.js'

/**
 * What {@link open} accepts besides a DSN: the server's `url` (or pg's
 * `connectionString`), or an existing `pool`; plus, for a pool liteorm makes,
 * any node-postgres pool option (`max`, `ssl`, `application_name`, ...).
 *
 * ### Examples
 *
 * ```ts
 * open({ url: process.env.DATABASE_URL, max: 20 })
 * open({ pool: appPool }) // share the application's own pg.Pool; db.close() leaves it open
 * ```
 */
export interface OpenOptions extends Omit<pg.PoolConfig, 'connectionString'> {
  /** The server's DSN, `postgres://user:password@host:5432/database`. */
  readonly url?: string
  /** node-postgres's name for {@link url}. */
  readonly connectionString?: string
  /**
   * An existing `pg.Pool` (the one the application's Kysely, Drizzle or raw
   * `pg` code already uses): sessions, notify, listen and subscribe all run
   * on it, and `db.close()` releases what liteorm checked out but never
   * ends it. No other pool option may be given with it.
   */
  readonly pool?: pg.Pool
}

/** How long a new connection may take before it fails, unless the options say otherwise. */
const DEFAULT_CONNECT_TIMEOUT_MS = 10_000

/**
 * Opens a DB on PostgreSQL. Synchronous: the pool connects lazily, on the
 * first query. Throws {@link InvalidArgumentError} for a missing or malformed
 * DSN (the message never contains its password).
 *
 * Defaults added to the pool options: `connectionTimeoutMillis: 10000` (a
 * connect never hangs), `keepAlive: true`, and `error` handlers so a connection dropped by
 * the server never crashes the process.
 *
 * ### Examples
 *
 * ```ts
 * const db = open('postgres://app:secret@localhost:5432/app')
 * const db2 = open({ connectionString: process.env.DATABASE_URL, max: 20 })
 * const rows = await db.query(sql<{ now: Date }>`select now()`)
 * ```
 */
export function open<S = unknown>(dsnOrOptions: string | OpenOptions): PostgresDB<S> {
  const { pool, owned, config } = toPool(dsnOrOptions)
  // A checked-out connection that breaks (backend terminated, server gone)
  // also rejects the query in flight, which is where the caller hears of it;
  // without a listener, its 'error' event would crash the process.
  const arm = (client: pg.PoolClient): void => {
    if (armed.has(client)) return
    armed.add(client)
    client.on('error', ignore)
  }
  if (owned) {
    pool.on('error', ignore) // an idle connection failed: the pool has dropped it already
    pool.on('connect', arm)
  } else {
    pool.on('acquire', arm) // connections the application's pool made before or without us
  }
  const target = describeTarget(config)
  const context: PostgresContext = {
    pool,
    target,
    mapError: createPostgresErrorMapper(target, secretOf(config)),
    resources: new Set(),
    hub: undefined,
    notifier: undefined,
    closedError: undefined,
    detach: owned ? () => pool.end() : async () => void pool.off('acquire', arm),
  }
  // Kysely ends its dialect's pool when destroyed: a borrowed pool is lent to it without end().
  const dialectPool = owned ? pool : { connect: () => pool.connect(), end: async () => {} }
  const kysely = new Kysely<S>({ dialect: withErrorMapping(new PostgresDialect({ pool: dialectPool }), context.mapError) })
  return new PostgresDB(kysely, context)
}

/** Clients given an 'error' listener, once each, whichever pool they come from. */
const armed = new WeakSet<pg.PoolClient>()

function ignore(): void {}

function toPool(dsnOrOptions: string | OpenOptions): { pool: pg.Pool; owned: boolean; config: pg.PoolConfig } {
  if (typeof dsnOrOptions === 'string') return ownPool({ connectionString: checkedDsn(dsnOrOptions) })
  if (typeof dsnOrOptions !== 'object' || dsnOrOptions === null) {
    throw new InvalidArgumentError(
      `open() needs a DSN string or options, got ${dsnOrOptions === null ? 'null' : typeof dsnOrOptions}: did you forget to set DATABASE_URL?`,
    )
  }
  const { url, connectionString, pool, ...poolOptions } = dsnOrOptions
  if (url !== undefined && connectionString !== undefined) {
    throw new InvalidArgumentError('open() takes the DSN as url or as connectionString, not both')
  }
  const dsn = url ?? connectionString
  if (pool === undefined) return ownPool({ ...poolOptions, ...(dsn === undefined ? {} : { connectionString: checkedDsn(dsn) }) })
  if (!(pool instanceof pg.Pool) && typeof (pool as Partial<pg.Pool>).connect !== 'function') {
    throw new InvalidArgumentError('open({ pool }) needs a pg.Pool')
  }
  const extra = [...(dsn === undefined ? [] : ['url']), ...Object.keys(poolOptions)]
  if (extra.length > 0) {
    throw new InvalidArgumentError(`open({ pool }) uses the pool as it is configured: drop ${extra.join(', ')}, or set them on the pool itself`)
  }
  return { pool, owned: false, config: (pool as { options?: pg.PoolConfig }).options ?? {} }
}

function checkedDsn(dsn: unknown): string {
  if (typeof dsn !== 'string') throw new InvalidArgumentError(`open() needs the DSN as a string, got ${typeof dsn}`)
  const parsed = parseDsn(dsn)
  if (parsed.hosts.length > 1) {
    throw new InvalidArgumentError('open(): a DSN with several hosts is not supported yet: give one host (a DNS name or virtual IP that follows the primary)')
  }
  return dsn.trim()
}

function ownPool(config: pg.PoolConfig): { pool: pg.Pool; owned: boolean; config: pg.PoolConfig } {
  config.connectionTimeoutMillis ??= DEFAULT_CONNECT_TIMEOUT_MS
  config.keepAlive ??= true
  return { pool: new pg.Pool(config), owned: true, config }
}
