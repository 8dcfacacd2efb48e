import { open, sql } from '@liteorm/postgres'
import { Kysely, PostgresDialect, sql as ksql } from 'kysely'
import pg from 'pg'
import type { KvRow, SessionPeer } from './session-peer.js'

/** Connections of every library's pool. */
export const PG_POOL_SIZE = 4

/**
 * liteorm on PostgreSQL: `db.queryOne(sql\`...\`)` and `db.exec(sql\`...\`)`
 * on `open({ max: 4 })`.
 *
 * ### Examples
 *
 * ```ts
 * const ops = await liteormPgSession.open(url); await ops.getById(1); await ops.close()
 * ```
 */
export const liteormPgSession: SessionPeer = {
  name: 'liteorm',
  idiom: 'db.queryOne(sql`select id, name from bench_kv where id = ${id}`), db.exec(sql`insert …`) on open({ max: 4 })',
  async open(url) {
    const db = open({ connectionString: url, max: PG_POOL_SIZE, application_name: 'liteorm-bench-session' })
    return {
      getById: (id) => db.queryOne(sql<KvRow>`select id, name from bench_kv where id = ${id}`),
      insert: (name) => db.exec(sql`insert into bench_ins (name) values (${name})`),
      close: () => db.close(),
    }
  },
}

/**
 * Raw node-postgres: `pool.query(text, values)` on `new pg.Pool({ max: 4 })`.
 *
 * ### Examples
 *
 * ```ts
 * const ops = await rawPgSession.open(url); await ops.insert('x'); await ops.close()
 * ```
 */
export const rawPgSession: SessionPeer = {
  name: 'pg',
  idiom: "pool.query('select id, name from bench_kv where id = $1', [id]) on new pg.Pool({ max: 4 })",
  async open(url) {
    const pool = new pg.Pool({ connectionString: url, max: PG_POOL_SIZE, application_name: 'pg-bench-session' })
    pool.on('error', () => {})
    return {
      getById: async (id) => (await pool.query<KvRow>('select id, name from bench_kv where id = $1', [id])).rows[0]!,
      insert: (name) => pool.query('insert into bench_ins (name) values ($1)', [name]),
      close: () => pool.end(),
    }
  },
}

/**
 * Raw Kysely on `PostgresDialect` over `new pg.Pool({ max: 4 })`, running
 * the same `sql` templates as liteorm: the difference is liteorm's session
 * layer alone.
 *
 * ### Examples
 *
 * ```ts
 * const ops = await kyselyPgSession.open(url); await ops.getById(1); await ops.close()
 * ```
 */
export const kyselyPgSession: SessionPeer = {
  name: 'Kysely',
  idiom: 'sql`select id, name from bench_kv where id = ${id}`.execute(kysely) on PostgresDialect({ pool: new pg.Pool({ max: 4 }) })',
  async open(url) {
    const pool = new pg.Pool({ connectionString: url, max: PG_POOL_SIZE, application_name: 'kysely-bench-session' })
    pool.on('error', () => {})
    const kysely = new Kysely<unknown>({ dialect: new PostgresDialect({ pool }) })
    return {
      getById: async (id) => (await ksql<KvRow>`select id, name from bench_kv where id = ${id}`.execute(kysely)).rows[0]!,
      insert: (name) => ksql`insert into bench_ins (name) values (${name})`.execute(kysely),
      close: () => kysely.destroy(),
    }
  },
}
