/**
 * The listener code of the PostgreSQL demo, running on SQLite: the same
 * notify/listen semantics, on a file, with no server at all.
 *
 *   pnpm demo:sqlite
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { listen, notify, open, sql } from '@liteorm/sqlite'
import { listenerTour, stepLogger } from './listener-tour.js'

const step = stepLogger()
const dir = mkdtempSync(join(tmpdir(), 'liteorm-sqlite-demo-'))
const db = open(join(dir, 'demo.db'))
try {
  const { version } = await db.queryOne(sql<{ version: string }>`select sqlite_version() as version`)
  const { mode } = await db.queryOne(sql<{ mode: string }>`select journal_mode as mode from pragma_journal_mode`)
  step(`opened ${db.filename}: SQLite ${version}, journal mode ${mode}`)
  const listener = await listenerTour(db, { listen, notify }, step)

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
