import { open, sql } from '@liteorm/sqlite'
import Database from 'better-sqlite3'
import { DummyDriver, Kysely, SqliteAdapter, SqliteDialect, SqliteIntrospector, SqliteQueryCompiler, sql as ksql, type CompiledQuery } from 'kysely'
import type { KvRow, SessionPeer } from './session-peer.js'

/**
 * Opens better-sqlite3 on `file` with the settings liteorm's `open` uses
 * (WAL journal, foreign keys on, 5 s busy timeout), so the raw peers run
 * the same database configuration.
 *
 * ### Examples
 *
 * ```ts
 * const raw = openRaw('/tmp/bench.db')
 * ```
 */
export function openRaw(file: string): Database.Database {
  const raw = new Database(file, { timeout: 5000 })
  raw.pragma('journal_mode = WAL')
  raw.pragma('foreign_keys = ON')
  return raw
}

/**
 * liteorm on SQLite: `db.queryOne(sql\`...\`)` and `db.exec(sql\`...\`)` on `open(file)`.
 *
 * ### Examples
 *
 * ```ts
 * const ops = await liteormSqliteSession.open('/tmp/a.db'); await ops.getById(1); await ops.close()
 * ```
 */
export const liteormSqliteSession: SessionPeer = {
  name: 'liteorm',
  idiom: 'await db.queryOne(sql`select id, name from kv where id = ${id}`), await db.exec(sql`insert …`) on open(file)',
  async open(file) {
    const db = open(file)
    return {
      getById: (id) => db.queryOne(sql<KvRow>`select id, name from kv where id = ${id}`),
      insert: (name) => db.exec(sql`insert into ins (name) values (${name})`),
      close: () => db.close(),
    }
  },
}

/**
 * Raw better-sqlite3 with prepared statements, called synchronously in a
 * tight loop, as its users write it.
 *
 * ### Examples
 *
 * ```ts
 * const ops = await rawSqliteSession.open('/tmp/b.db'); ops.getById(1); await ops.close()
 * ```
 */
export const rawSqliteSession: SessionPeer = {
  name: 'better-sqlite3',
  idiom: "db.prepare('select id, name from kv where id = ?').get(id), prepared insert .run(name); synchronous",
  async open(file) {
    const raw = openRaw(file)
    const get = raw.prepare<[number], KvRow>('select id, name from kv where id = ?')
    const insert = raw.prepare<[string]>('insert into ins (name) values (?)')
    return {
      getById: (id) => get.get(id)!,
      insert: (name) => insert.run(name),
      close: async () => void raw.close(),
    }
  },
}

/**
 * Raw Kysely on `SqliteDialect` over better-sqlite3 (same settings), running
 * the same `sql` templates as liteorm.
 *
 * ### Examples
 *
 * ```ts
 * const ops = await kyselySqliteSession.open('/tmp/c.db'); await ops.getById(1); await ops.close()
 * ```
 */
export const kyselySqliteSession: SessionPeer = {
  name: 'Kysely',
  idiom: 'await sql`select id, name from kv where id = ${id}`.execute(kysely) on SqliteDialect (better-sqlite3)',
  async open(file) {
    const kysely = new Kysely<unknown>({ dialect: new SqliteDialect({ database: openRaw(file) }) })
    return {
      getById: async (id) => (await ksql<KvRow>`select id, name from kv where id = ${id}`.execute(kysely)).rows[0]!,
      insert: (name) => ksql`insert into ins (name) values (${name})`.execute(kysely),
      close: () => kysely.destroy(),
    }
  },
}

/**
 * The floor of a layer that takes Kysely `sql` templates over
 * better-sqlite3: each call builds the same template as liteorm, compiles
 * it with Kysely's SQLite compiler (a compile-only Kysely on a
 * `DummyDriver`), runs the statement prepared once per SQL text, and hands
 * the row back through one `await` (an async function). What liteorm's
 * `queryOne` adds over this is its own overhead.
 *
 * ### Examples
 *
 * ```ts
 * const ops = await floorSqliteSession.open('/tmp/d.db'); await ops.getById(1); await ops.close()
 * ```
 */
export const floorSqliteSession: SessionPeer = {
  name: 'floor',
  idiom: 'sql`select id, name from kv where id = ${id}`.compile(kysely) → statement prepared once per SQL text → .get(...parameters), in an async function',
  async open(file) {
    const raw = openRaw(file)
    const compiler = new Kysely<unknown>({
      dialect: {
        createAdapter: () => new SqliteAdapter(),
        createDriver: () => new DummyDriver(),
        createIntrospector: (db) => new SqliteIntrospector(db),
        createQueryCompiler: () => new SqliteQueryCompiler(),
      },
    })
    const statements = new Map<string, Database.Statement<unknown[]>>()
    const prepared = (q: CompiledQuery): Database.Statement<unknown[]> => {
      let statement = statements.get(q.sql)
      if (statement === undefined) {
        statement = raw.prepare<unknown[]>(q.sql)
        statements.set(q.sql, statement)
      }
      return statement
    }
    return {
      getById: async (id) => {
        const q = ksql<KvRow>`select id, name from kv where id = ${id}`.compile(compiler)
        return prepared(q).get(...q.parameters) as KvRow
      },
      insert: async (name) => {
        const q = ksql`insert into ins (name) values (${name})`.compile(compiler)
        return prepared(q).run(...q.parameters)
      },
      close: async () => {
        await compiler.destroy()
        raw.close()
      },
    }
  },
}
