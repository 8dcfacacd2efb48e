/**
 * The listener code of the PostgreSQL demo, running on SQLite: the same
 * notify/listen semantics, on a file, with no server at all.
 *
 *   pnpm demo:sqlite
 *   pnpm exec tsx --conditions=source examples/sqlite-demo.ts
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { listen, notify, open, sql } from '@liteorm/sqlite'

const started = Date.now()
const step = (text: string): void => console.log(`[${String(Date.now() - started).padStart(5)} ms] ${text}`)

const dir = mkdtempSync(join(tmpdir(), 'liteorm-sqlite-demo-'))
const db = open(join(dir, 'demo.db'))
try {
  const { version } = await db.queryOne(sql<{ version: string }>`select sqlite_version() as version`)
  const { mode } = await db.queryOne(sql<{ mode: string }>`select journal_mode as mode from pragma_journal_mode`)
  step(`opened ${db.filename}: SQLite ${version}, journal mode ${mode}`)

  const listener = await listen(db, ['jobs', 'Audit'], {
    onReset: ({ reconnected, channels }) => step(`listening on ${channels.join(', ')} (reconnected: ${reconnected})`),
    onEvent: (e) => step(`listener event: ${e.type}${e.error ? ` (${e.error.message})` : ''}`),
  })

  await notify(db, 'jobs', JSON.stringify({ id: 1, task: 'resize image' }))
  await notify(db, 'Audit', 'user 7 signed in')
  for (let i = 0; i < 2; i++) {
    const n = await listener.receive(AbortSignal.timeout(5000))
    step(`received on ${n.channel}: ${n.payload}  (from process ${n.pid})`)
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

  const other = open(db.filename)
  await notify(other, 'Audit', 'sent through another DB on the same file')
  step(`received: ${(await listener.receive(AbortSignal.timeout(5000))).payload}`)
  await other.close()

  const pending = listener.receive()
  await listener.close()
  await pending.catch((e: Error) => step(`listener closed with a receive pending: it rejected with ${e.name}; its own connection to the file is closed`))
} finally {
  await db.close()
  rmSync(dir, { recursive: true, force: true })
}
step('DB closed, file removed. Done.')
