import { InvalidArgumentError } from '@liteorm/core'
import { withErrorMapping } from '@liteorm/core/backend'
import { Kysely, PostgresDialect } from 'kysely'
import pg from 'pg'
import { createPostgresErrorMapper } from './postgres-error-mapper.js'
import type { PostgresDB } from './postgres-db.js'
import { PostgresKyselyDB } from './postgres-session.js'
import type { PostgresContext } from './postgres-context.js'
import { describeTarget, secretOf } from './redact-dsn.js'

/**
 * What {@link open} accepts besides a DSN: node-postgres pool options
 * (`connectionString`, `host`, `max`, `ssl`, ...).
 */
export type OpenOptions = pg.PoolConfig

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
  const config = toPoolConfig(dsnOrOptions)
  const pool = new pg.Pool(config)
  pool.on('error', ignore) // an idle connection failed: the pool has dropped it already
  pool.on('connect', (client) => {
    // A checked-out connection that breaks (backend terminated, server gone)
    // also rejects the query in flight, which is where the caller hears of
    // it; without a listener, its 'error' event would crash the process.
    client.on('error', ignore)
  })
  const target = describeTarget(config)
  const context: PostgresContext = {
    pool,
    target,
    mapError: createPostgresErrorMapper(target, secretOf(config)),
    resources: new Set(),
    closedError: undefined,
  }
  const kysely = new Kysely<S>({ dialect: withErrorMapping(new PostgresDialect({ pool }), context.mapError) })
  return PostgresKyselyDB.create(kysely, context)
}

function ignore(): void {}

function toPoolConfig(dsnOrOptions: string | OpenOptions): pg.PoolConfig {
  if (typeof dsnOrOptions === 'string') {
    if (dsnOrOptions.trim() === '') {
      throw new InvalidArgumentError('open() needs a DSN such as postgres://user:password@host:5432/database, got an empty string')
    }
    if (!/^(postgres|postgresql|socket):\/\//i.test(dsnOrOptions.trim())) {
      throw new InvalidArgumentError(
        'open() needs a DSN starting with postgres:// or postgresql://, such as postgres://user:password@host:5432/database ' +
          '(the value given is not shown, as it may hold a password)',
      )
    }
    return withDefaults({ connectionString: dsnOrOptions })
  }
  if (typeof dsnOrOptions !== 'object' || dsnOrOptions === null) {
    throw new InvalidArgumentError(
      `open() needs a DSN string or pg pool options, got ${dsnOrOptions === null ? 'null' : typeof dsnOrOptions}: ` +
        'did you forget to set DATABASE_URL?',
    )
  }
  return withDefaults({ ...dsnOrOptions })
}

function withDefaults(config: pg.PoolConfig): pg.PoolConfig {
  config.connectionTimeoutMillis ??= DEFAULT_CONNECT_TIMEOUT_MS
  config.keepAlive ??= true
  return config
}
