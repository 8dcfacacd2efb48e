import { copyFrom as pgCopyFrom, open as openPg } from '@liteorm/postgres'
import { copyFrom as sqliteCopyFrom, open as openSqlite } from '@liteorm/sqlite'
import { once } from 'node:events'
import { finished } from 'node:stream/promises'
import { Kysely, PostgresDialect } from 'kysely'
import pg from 'pg'
import { from as copyStream } from 'pg-copy-streams'
import type { LibraryName } from '../workloads/workload.js'
import { openRaw } from './sqlite-session.js'

/** A row of the copy workload: int, text, timestamptz, jsonb, bool. */
export type CopyBenchRow = readonly [number, string, Date, { readonly i: number; readonly tags: readonly string[] }, boolean]

/** The table's columns, in row order. */
export const COPY_COLUMNS = ['id', 'name', 'at', 'doc', 'flag'] as const

/**
 * The DDL of the workload's table `table` on `dialect`.
 *
 * ### Examples
 *
 * ```ts
 * await admin.query(copyTableDdl('postgres', 'bench_copy_x'))
 * ```
 */
export function copyTableDdl(dialect: 'postgres' | 'sqlite', table: string): string {
  return dialect === 'postgres'
    ? `create table ${table} (id int not null, name text not null, at timestamptz not null, doc jsonb not null, flag bool not null)`
    : `create table ${table} (id integer not null, name text not null, at text not null, doc text not null, flag integer not null)`
}

/**
 * `count` rows, made as they are read: in a loop, the same rows for every library.
 *
 * ### Examples
 *
 * ```ts
 * const rows = [...copyBenchRows(100_000)]
 * ```
 */
export function* copyBenchRows(count: number): Generator<CopyBenchRow> {
  const start = Date.UTC(2025, 0, 1)
  for (let i = 0; i < count; i++) yield [i, `customer ${i} of the bench`, new Date(start + i * 1000), { i, tags: ['bulk', 'load'] }, i % 3 === 0]
}

/** One library's way of loading rows. */
export interface CopyPeer {
  readonly name: LibraryName
  readonly dialect: 'postgres' | 'sqlite'
  /** The calls measured, for the report. */
  readonly idiom: string
  /** Connects to `target` (a PostgreSQL URL or an SQLite file); `load` then loads rows into `table` and returns how many. */
  open(target: string): Promise<{ load(table: string, rows: Iterable<CopyBenchRow>): Promise<number>; close(): Promise<void> }>
}

const SPECIALS = /[\\\t\n\r]/g
const ESCAPES: Readonly<Record<string, string>> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' }
const escapeText = (text: string): string => text.replace(SPECIALS, (c) => ESCAPES[c]!)

/** liteorm on PostgreSQL: `copyFrom` on `open({ max: 1 })`. */
export const liteormPgCopy: CopyPeer = {
  name: 'liteorm',
  dialect: 'postgres',
  idiom: "copyFrom(db, table, ['id', 'name', 'at', 'doc', 'flag'], rows) on open({ max: 1 })",
  async open(url) {
    const db = openPg({ connectionString: url, max: 1, application_name: 'liteorm-bench-copy' })
    return {
      load: async (table, rows) => (await pgCopyFrom(db, table, COPY_COLUMNS, rows)).rowsAffected,
      close: () => db.close(),
    }
  },
}

/** Raw node-postgres and pg-copy-streams, the COPY text encoded by hand for these five known columns, 1 000 rows a write. */
export const rawPgCopy: CopyPeer = {
  name: 'pg',
  dialect: 'postgres',
  idiom: 'client.query(copyFrom(`COPY t (…) FROM STDIN`)), hand-encoded lines written 1 000 rows at a time with backpressure',
  async open(url) {
    const pool = new pg.Pool({ connectionString: url, max: 1, application_name: 'pg-bench-copy' })
    pool.on('error', () => {})
    return {
      async load(table, rows) {
        const client = await pool.connect()
        try {
          const stream = client.query(copyStream(`copy ${table} (${COPY_COLUMNS.join(', ')}) from stdin`))
          let chunk = ''
          let n = 0
          for (const [id, name, at, doc, flag] of rows) {
            chunk += `${id}\t${escapeText(name)}\t${at.toISOString()}\t${escapeText(JSON.stringify(doc))}\t${flag ? 't' : 'f'}\n`
            if (++n % 1000 === 0) {
              if (!stream.write(chunk)) await once(stream, 'drain')
              chunk = ''
            }
          }
          stream.end(chunk)
          await finished(stream)
          return stream.rowCount
        } finally {
          client.release()
        }
      },
      close: () => pool.end(),
    }
  },
}

interface CopyBenchTable {
  id: number
  name: string
  at: Date
  doc: CopyBenchRow[3]
  flag: boolean
}

/** Raw Kysely: multi-row `INSERT`s of 1 000 rows (5 000 parameters) in one transaction. */
export const kyselyPgInsert: CopyPeer = {
  name: 'Kysely',
  dialect: 'postgres',
  idiom: 'trx.insertInto(table).values(1 000 row objects).execute() per batch, in one transaction',
  async open(url) {
    const pool = new pg.Pool({ connectionString: url, max: 1, application_name: 'kysely-bench-copy' })
    pool.on('error', () => {})
    const kysely = new Kysely<Record<string, CopyBenchTable>>({ dialect: new PostgresDialect({ pool }) })
    return {
      load: (table, rows) =>
        kysely.transaction().execute(async (trx) => {
          let batch: CopyBenchTable[] = []
          let n = 0
          const flush = async (): Promise<void> => {
            if (batch.length > 0) n += Number((await trx.insertInto(table).values(batch).executeTakeFirst()).numInsertedOrUpdatedRows)
            batch = []
          }
          for (const [id, name, at, doc, flag] of rows) {
            batch.push({ id, name, at, doc, flag })
            if (batch.length === 1000) await flush()
          }
          await flush()
          return n
        }),
      close: () => kysely.destroy(),
    }
  },
}

/** liteorm on SQLite: `copyFrom` on `open(file)`. */
export const liteormSqliteCopy: CopyPeer = {
  name: 'liteorm',
  dialect: 'sqlite',
  idiom: "copyFrom(db, table, ['id', 'name', 'at', 'doc', 'flag'], rows) on open(file)",
  async open(file) {
    const db = openSqlite(file)
    return {
      load: async (table, rows) => (await sqliteCopyFrom(db, table, COPY_COLUMNS, rows)).rowsAffected,
      close: () => db.close(),
    }
  },
}

/** Raw better-sqlite3: one prepared INSERT run per row inside `db.transaction()`, values converted by hand. */
export const rawSqliteInsert: CopyPeer = {
  name: 'better-sqlite3',
  dialect: 'sqlite',
  idiom: 'db.transaction(() => { for (row of rows) insert.run(id, name, at.toISOString(), JSON.stringify(doc), flag ? 1 : 0) })()',
  async open(file) {
    const raw = openRaw(file)
    return {
      async load(table, rows) {
        const insert = raw.prepare(`insert into ${table} (${COPY_COLUMNS.join(', ')}) values (?, ?, ?, ?, ?)`)
        return raw.transaction(() => {
          let n = 0
          for (const [id, name, at, doc, flag] of rows) n += insert.run(id, name, at.toISOString(), JSON.stringify(doc), flag ? 1 : 0).changes
          return n
        })()
      },
      close: async () => void raw.close(),
    }
  },
}

/** Every copy peer, PostgreSQL ones first. */
export const COPY_PEERS: readonly CopyPeer[] = [liteormPgCopy, rawPgCopy, kyselyPgInsert, liteormSqliteCopy, rawSqliteInsert]
