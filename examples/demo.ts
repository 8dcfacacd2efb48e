/**
 * liteorm's main job in miniature: LISTEN/NOTIFY on PostgreSQL, on the same
 * DB object the application queries with.
 *
 *   pnpm demo                      # embedded PostgreSQL, started and removed for you
 *   DATABASE_URL=postgres://... pnpm demo
 */
import { listen, notify, open, sql } from '@liteorm/postgres'
import { providePostgres } from '@liteorm/testing'
import { listenerTour, stepLogger } from './listener-tour.js'

const step = stepLogger()
const server = await providePostgres()
step(`PostgreSQL ready (${server.source})`)
const db = open(server.url)
try {
  const { version } = await db.queryOne(sql<{ version: string }>`select current_setting('server_version') as version`)
  step(`connected: PostgreSQL ${version}`)
  const listener = await listenerTour(db, { listen, notify }, step)
  await listener.close()
  step(`listener closed (channels now ${JSON.stringify(listener.channels)}); its connection is back in the pool, listening to nothing`)
} finally {
  await db.close()
  await server.stop()
}
step('DB closed, server stopped. Done.')
