import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startEmbeddedPostgres, type EmbeddedServer } from '@liteorm/testing'
import { listen, notify, NotifyQueueFullError, open, sql, type PostgresDB } from '@liteorm/postgres'

// A server whose cluster-wide notification queue is as small as PostgreSQL
// allows (64 pages of 8 kB), so that one listener that stops reading fills it.
let server: EmbeddedServer
let db: PostgresDB<unknown>
beforeAll(async () => {
  server = await startEmbeddedPostgres({ settings: { max_notify_queue_pages: 64 } })
  db = open(server.url)
}, 60_000)
afterAll(async () => {
  await db?.close()
  await server?.stop()
})

describe('a full notification queue', () => {
  it("a listener that stops reading fills the queue; notify then rejects with NotifyQueueFullError, the sender's error alone; once reading resumes, everything sent before arrives", async () => {
    const stuck = await listen(db, 'fill', { maxBuffered: 1 }) // stops reading its socket after one notification
    const payload = 'x'.repeat(7000)
    let sent = 0
    let full: unknown
    while (full === undefined && sent < 20_000) {
      try {
        await notify(db, 'fill', `${sent}:${payload}`)
        sent++
      } catch (error) {
        full = error
      }
    }
    expect(full).toBeInstanceOf(NotifyQueueFullError)
    expect((full as NotifyQueueFullError).code).toBe('NOTIFY_QUEUE_FULL')
    expect((full as NotifyQueueFullError).driverCode).toBe('54000')
    const { usage } = await db.queryOne(sql<{ usage: number }>`select pg_notification_queue_usage() as usage`)
    expect(usage).toBeGreaterThan(0.9)
    // The failed transaction took its data with it; everything committed before is delivered, in order.
    for (let i = 0; i < sent; i++) {
      const n = await stuck.receive(AbortSignal.timeout(10_000))
      expect(n.payload.slice(0, n.payload.indexOf(':'))).toBe(String(i))
    }
    const drained = await db.queryOne(sql<{ usage: number }>`select pg_notification_queue_usage() as usage`)
    expect(drained.usage).toBeLessThan(0.1) // read means freed
    await stuck.close()
    const fresh = await listen(db, 'fill')
    for (const deadline = Date.now() + 10_000; ; ) {
      const error = await notify(db, 'fill', 'room again').catch((e: unknown) => e)
      if (error === undefined) break
      expect(error).toBeInstanceOf(NotifyQueueFullError)
      if (Date.now() > deadline) throw error
      await new Promise((r) => setTimeout(r, 50))
    }
    expect((await fresh.receive(AbortSignal.timeout(10_000))).payload).toBe('room again')
    await fresh.close()
  })
})
