import { InvalidArgumentError } from '@liteorm/core'
import pg from 'pg'
import { parseDsn, withOneHost } from './dsn.js'
import { multiHostClient } from './multi-host-client.js'
import { largePayloadSettings, type LargePayloadSettings } from './large-payload-settings.js'

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
 * open({ url: pooledUrl, listenUrl: directUrl }) // queries through PgBouncer, LISTEN straight to PostgreSQL
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
  /**
   * Where listeners and the subscription hub connect, when `url` (or the
   * pool) goes through a pooler in transaction mode, which cannot carry
   * LISTEN: a DSN reaching PostgreSQL directly or through a session-mode
   * pooler. Its pool takes the same options (`ssl`, `max`, ...). Default:
   * listeners use the DB's pool.
   */
  readonly listenUrl?: string
  /**
   * A connection idle in the pool for this long (ms) or longer is sent an
   * empty statement before a query or transaction uses it, and replaced if
   * it is dead (a restart, a failover or a network timeout ended its server
   * side unnoticed). One round trip per such checkout; `0` turns it off.
   * Default 10 000.
   */
  readonly checkIdleAfterMs?: number
  /**
   * `'table'`: a payload of 8000 bytes or more, which PostgreSQL's NOTIFY
   * refuses, is stored in the table `liteorm.large_payloads` in the same
   * transaction as the notification, which carries its key; listeners on a
   * DB opened with this option read it back and deliver the original
   * payload, in order. Needs the migration `installLargePayloads(db)` (or
   * `sql/large-payloads.sql`) once per database. Default: off (such a payload
   * is refused with `InvalidArgumentError`).
   */
  readonly largePayloads?: 'table'
  /**
   * How long (ms) a stored large payload is kept for listeners to read,
   * with `largePayloads: 'table'`: past it, the row may be deleted, and a
   * listener that comes to its notification later reports it missed.
   * Default 3 600 000 (one hour).
   */
  readonly largePayloadRetentionMs?: number
}

/** How long a new connection may take before it fails, unless the options say otherwise. */
const DEFAULT_CONNECT_TIMEOUT_MS = 10_000

/** A pool and the settings it was made with. */
interface PoolWithConfig {
  readonly pool: pg.Pool
  readonly config: pg.PoolConfig
}

/** The pools a DB works with, from what {@link open} was given. */
interface ResolvedPools extends PoolWithConfig {
  /** The DSN as given, every host of a multi-host one included (`config` names only the first); for messages. */
  readonly dsn: string | undefined
  /** Whether liteorm made `pool` (and so ends it). */
  readonly owned: boolean
  /** A pool of liteorm's own to `listenUrl`, when one is given. */
  readonly listen: PoolWithConfig | undefined
  /** See {@link OpenOptions.checkIdleAfterMs}. */
  readonly checkIdleAfterMs: number
  /** See {@link OpenOptions.largePayloads}: `undefined` when off. */
  readonly largePayloads: LargePayloadSettings | undefined
}

const DEFAULT_CHECK_IDLE_AFTER_MS = 10_000

/**
 * Checks what {@link open} was given and makes the pools it calls for:
 * `open()` with no argument reads `DATABASE_URL` and `LITEORM_LISTEN_URL`.
 * Throws {@link InvalidArgumentError} saying what is wrong, never echoing a
 * DSN.
 *
 * ### Examples
 *
 * ```ts
 * const { pool, listen } = resolvePools({ url, listenUrl })
 * ```
 */
export function resolvePools(dsnOrOptions?: string | OpenOptions): ResolvedPools {
  if (dsnOrOptions === undefined) {
    const url = process.env.DATABASE_URL
    if (url === undefined || url === '') throw new InvalidArgumentError('open() without arguments reads DATABASE_URL, which is not set: set it, or pass a DSN')
    const listenUrl = process.env.LITEORM_LISTEN_URL
    return resolvePools(listenUrl === undefined || listenUrl === '' ? url : { url, listenUrl })
  }
  if (typeof dsnOrOptions === 'string') {
    return { ...ownPool(dsnConfig(dsnOrOptions)), dsn: dsnOrOptions, owned: true, listen: undefined, checkIdleAfterMs: DEFAULT_CHECK_IDLE_AFTER_MS, largePayloads: undefined }
  }
  if (typeof dsnOrOptions !== 'object' || dsnOrOptions === null) {
    throw new InvalidArgumentError(
      `open() needs a DSN string or options, got ${dsnOrOptions === null ? 'null' : typeof dsnOrOptions}: did you forget to set DATABASE_URL?`,
    )
  }
  const { url, connectionString, pool, listenUrl, checkIdleAfterMs = DEFAULT_CHECK_IDLE_AFTER_MS, largePayloads, largePayloadRetentionMs, ...poolOptions } = dsnOrOptions
  const spill = largePayloadSettings(largePayloads, largePayloadRetentionMs)
  if (typeof checkIdleAfterMs !== 'number' || !(checkIdleAfterMs >= 0)) {
    throw new InvalidArgumentError(`checkIdleAfterMs must be a number of milliseconds (0 turns the check off), got ${String(checkIdleAfterMs)}`)
  }
  if (url !== undefined && connectionString !== undefined) {
    throw new InvalidArgumentError('open() takes the DSN as url or as connectionString, not both')
  }
  const dsn = url ?? connectionString
  const main = pool === undefined ? ownPool({ ...poolOptions, ...(dsn === undefined ? {} : dsnConfig(dsn)) }) : borrowed(pool, dsn, poolOptions)
  const listen = listenUrl === undefined ? undefined : ownPool({ ...main.config, Client: undefined, ...dsnConfig(listenUrl, 'listenUrl') })
  return { ...main, dsn, owned: pool === undefined, listen, checkIdleAfterMs, largePayloads: spill }
}

function borrowed(pool: pg.Pool, dsn: string | undefined, poolOptions: object): PoolWithConfig {
  if (!(pool instanceof pg.Pool) && typeof (pool as Partial<pg.Pool>).connect !== 'function') {
    throw new InvalidArgumentError('open({ pool }) needs a pg.Pool')
  }
  const extra = [...(dsn === undefined ? [] : ['url']), ...Object.keys(poolOptions)]
  if (extra.length > 0) {
    throw new InvalidArgumentError(`open({ pool }) uses the pool as it is configured: drop ${extra.join(', ')}, or set them on the pool itself`)
  }
  return { pool, config: (pool as { options?: pg.PoolConfig }).options ?? {} }
}

/** The pool settings that reach what `dsn` names: node-postgres's one host, or a client class that picks among several. */
function dsnConfig(dsn: unknown, name = 'the DSN'): pg.PoolConfig {
  if (typeof dsn !== 'string') throw new InvalidArgumentError(`open() needs ${name} as a string, got ${typeof dsn}`)
  const { hosts, params } = parseDsn(dsn)
  if (hosts.length <= 1) return { connectionString: dsn.trim() }
  const Client = multiHostClient(dsn, hosts, params.get('target_session_attrs'))
  return { connectionString: withOneHost(dsn, hosts[0]!), Client }
}

function ownPool(config: pg.PoolConfig): PoolWithConfig {
  config.connectionTimeoutMillis ??= DEFAULT_CONNECT_TIMEOUT_MS
  config.keepAlive ??= true
  return { pool: new pg.Pool(config), config }
}
