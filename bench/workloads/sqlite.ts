import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { floorSqliteSession, kyselySqliteSession, liteormSqliteSession, openRaw, rawSqliteSession } from '../peers/sqlite-session.js'
import type { SessionPeer } from '../peers/session-peer.js'
import { measureSession, sessionTargets } from './session.js'
import type { Workload } from './workload.js'

const PEERS: readonly SessionPeer[] = [liteormSqliteSession, rawSqliteSession, kyselySqliteSession, floorSqliteSession]

let directory: string | undefined

/**
 * The session workloads on SQLite: liteorm's `@liteorm/sqlite` against raw
 * better-sqlite3 prepared statements (called synchronously), raw Kysely on
 * `SqliteDialect`, and the floor peer (better-sqlite3 running the same
 * `sql` templates compiled by Kysely, through one `await`), each on its own
 * database file (WAL, same settings), one operation at a time. Targets are
 * time ratios: `queryOne` against the floor, the insert against
 * better-sqlite3.
 *
 * ### Examples
 *
 * ```ts
 * const r = await sqliteWorkload.run('better-sqlite3', ctx) // { 'sqlite-get': …, 'sqlite-insert': … }
 * ```
 */
export const sqliteWorkload: Workload = {
  id: 'sqlite',
  title: 'Session overhead (SQLite)',
  method:
    'queryOne by primary key (10 000 rows) and single-row insert in autocommit, one at a time, each library on its own file ' +
    '(WAL, foreign_keys on, default synchronous); liteorm awaits each call, raw better-sqlite3 runs prepared statements synchronously, ' +
    'Kysely (SqliteDialect) runs the same sql`` templates as liteorm; the floor peer compiles the same sql`` template with Kysely\'s SQLite compiler ' +
    'on every call, runs the statement prepared once per SQL text and returns through one await (an async function). ' +
    'ops/s; targets are time ratios: queryOne vs the floor, insert vs better-sqlite3.',
  libraries: PEERS.map((p) => p.name),
  rows: [
    { id: 'sqlite-get', title: 'sqlite session: queryOne by PK', unit: 'ops/s', better: 'higher', targets: sessionTargets([['floor', 1.05]]) },
    { id: 'sqlite-insert', title: 'sqlite session: insert (exec)', unit: 'ops/s', better: 'higher', targets: sessionTargets([['better-sqlite3', 1.15]]) },
  ],

  async setup() {
    directory = mkdtempSync(join(tmpdir(), 'liteorm-bench-sqlite-'))
    const dir = directory
    return async () => {
      directory = undefined
      rmSync(dir, { recursive: true, force: true })
    }
  },

  async run(library, ctx) {
    const peer = PEERS.find((p) => p.name === library)
    if (peer === undefined) throw new Error(`no SQLite session peer ${library}`)
    if (directory === undefined) throw new Error('sqlite workload: setup() did not run')
    const file = join(directory, `${ctx.tag}.db`)
    const raw = openRaw(file)
    try {
      raw.exec('create table kv (id integer primary key, name text not null); create table ins (id integer primary key, name text not null)')
      const insert = raw.prepare<[number, string]>('insert into kv (id, name) values (?, ?)')
      raw.transaction(() => {
        for (let i = 1; i <= ctx.config.sessionRows; i++) insert.run(i, `name ${i}`)
      })()
    } finally {
      raw.close()
    }
    return measureSession(peer, file, ctx, 'sqlite', 1)
  },
}
