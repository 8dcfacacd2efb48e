// The README's used-by snippet, as an application outside the repository runs
// it: installed from the packed tarballs, against a real server.
import { providePostgres } from '@liteorm/testing'
import { listen, notify, open, sql, UniqueViolationError } from '@liteorm/postgres'
import { jsonChannel, open as openSqlite, notify as notifySqlite, listen as listenSqlite, subscribe as subscribeSqlite, type Message } from '@liteorm/sqlite'
import { Kysely } from 'kysely'
import pg from 'pg'

interface AppSchema {
  jobs: { id: number; state: string }
}

const server = await providePostgres()
try {
  // Used-by snippet
  const db = open<AppSchema>(server.url)
  const l = await listen(db, ['jobs'])
  await notify(db, 'jobs', '{"id":1}')
  const n = await l.receive(AbortSignal.timeout(5000))
  console.log('postgres:', n.channel, n.payload, typeof n.pid)
  await l.close()

  // db.kysely has the application's own Kysely type: one copy of kysely.
  const typed: Kysely<AppSchema> = db.kysely
  await typed.schema.createTable('jobs').ifNotExists().addColumn('id', 'integer', (c) => c.primaryKey()).addColumn('state', 'text').execute()
  await typed.insertInto('jobs').values({ id: 1, state: 'new' }).execute()
  const error = await db.exec(sql`insert into jobs values (1, 'again')`).catch((e: unknown) => e)
  if (!(error instanceof UniqueViolationError)) throw new Error(`expected UniqueViolationError, got ${String(error)}`)
  await db.close()

  // Bring your own pool
  const appPool = new pg.Pool({ connectionString: server.url, max: 2 })
  const shared = open({ pool: appPool })
  const row = await shared.queryOne(sql<{ one: number }>`select 1 as one`)
  await shared.close()
  await appPool.query('select 1') // still open
  await appPool.end()
  console.log('pool shared:', row.one)

  // SQLite: same contract, no server
  const file = openSqlite(':memory:')
  const sl = await listenSqlite(file, 'jobs')
  await notifySqlite(file, 'jobs', 'on sqlite')
  console.log('sqlite:', (await sl.receive(AbortSignal.timeout(5000))).payload)
  await sl.close()
  // Subscriptions and typed channels, the same API as on PostgreSQL
  const jobs = jsonChannel<{ id: number }>('typed_jobs')
  const sub = await subscribeSqlite(file, jobs)
  await notifySqlite(file, jobs, { id: 2 })
  const m: Message<{ id: number }> = await sub.receive(AbortSignal.timeout(5000))
  console.log('sqlite subscribe:', m.value.id)
  await sub.close()
  await file.close()
} finally {
  await server.stop()
}
console.log('consumer app: ok')
