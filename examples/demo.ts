/**
 * liteorm's main job in miniature: LISTEN/NOTIFY on PostgreSQL, on the same
 * DB object the application queries with.
 *
 *   pnpm demo                      # embedded PostgreSQL, started and removed for you
 *   DATABASE_URL=postgres://... pnpm demo
 */
import { listen, notify, open, sql } from '@liteorm/postgres'
import { providePostgres } from '../test/postgres-server.js'

const started = Date.now()
const step = (text: string): void => console.log(`[${String(Date.now() - started).padStart(5)} ms] ${text}`)

const server = await providePostgres()
step(`PostgreSQL ready (${server.source})`)
const db = open(server.url)
try {
  const { version } = await db.queryOne(sql<{ version: string }>`select current_setting('server_version') as version`)
  step(`connected: PostgreSQL ${version}`)

  const listener = await listen(db, ['jobs', 'Audit'], {
    onReset: ({ reconnected, channels }) => step(`LISTEN in place on ${channels.join(', ')} (reconnected: ${reconnected})`),
    onEvent: (e) => step(`listener event: ${e.type}${e.error ? ` (${e.error.message})` : ''}`),
  })

  await notify(db, 'jobs', JSON.stringify({ id: 1, task: 'resize image' }))
  await notify(db, 'Audit', 'user 7 signed in')
  for (let i = 0; i < 2; i++) {
    const n = await listener.receive(AbortSignal.timeout(5000))
    step(`received on ${n.channel}: ${n.payload}  (from backend ${n.pid})`)
  }

  await db.transaction(async (tx) => {
    await notify(tx, 'jobs', 'sent inside a transaction')
    step('notified inside a transaction; nothing arrives before commit...')
    await listener.receive(AbortSignal.timeout(300)).then(
      (n) => step(`UNEXPECTED: ${n.payload}`),
      () => step('...indeed, nothing yet'),
    )
  })
  const committed = await listener.receive(AbortSignal.timeout(5000))
  step(`after commit, received: ${committed.payload}`)

  await db
    .transaction(async (tx) => {
      await notify(tx, 'jobs', 'this one is rolled back')
      throw new Error('changed our mind')
    })
    .catch((e: Error) => step(`transaction rolled back: ${e.message}`))

  try {
    await listener.receive(AbortSignal.timeout(500))
    step('UNEXPECTED: a rolled-back notification arrived')
  } catch (e) {
    step(`receive cancelled by its 500 ms timeout (${(e as Error).name}): the rolled-back notification was never sent`)
  }

  await notify(db, 'jobs', 'still delivered after a cancelled receive')
  step(`received: ${(await listener.receive(AbortSignal.timeout(5000))).payload}`)

  await listener.close()
  step(`listener closed (channels now ${JSON.stringify(listener.channels)}); its connection is back in the pool, listening to nothing`)
} finally {
  await db.close()
  await server.stop()
}
step('DB closed, server stopped. Done.')
