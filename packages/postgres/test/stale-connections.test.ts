import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { useDatabase } from '@liteorm/testing/vitest'
import { listen, notify, open, pool, subscribe, type PostgresDB } from '@liteorm/postgres'
import { EventLog, killBackends } from '../../../test/listener-probe.js'

// After a server restart, a failover or a kill of idle backends, a pool
// still holds dead connections, and the next checkout may get one. Where a
// retry is safe, liteorm takes a fresh connection instead of failing.
let url: string
let sender: PostgresDB<unknown>
beforeAll(async () => {
  url = await useDatabase('stale')
  sender = open(url)
})
afterAll(() => sender.close())

describe('stale pooled connections', () => {
  it('every backend killed, then listen() and subscribe() at once, 50 times over: no failure', async () => {
    const app = 'stale-kill'
    const db = open({ connectionString: url, application_name: app, max: 6 })
    try {
      for (let round = 0; round < 50; round++) {
        const events = new EventLog()
        const l = await listen(db, 'stale', { onEvent: events.record, reconnect: { minDelayMs: 10, maxDelayMs: 50 } })
        const warm = await Promise.all([pool(db)!.connect(), pool(db)!.connect()]) // idle connections for the kill to make stale
        for (const c of warm) c.release()
        expect(await killBackends(url, app)).toBeGreaterThanOrEqual(3)
        await events.next('disconnected')
        await l.close()
        const [again, sub] = await Promise.all([listen(db, 'stale'), subscribe(db, 'stale', () => undefined)])
        await notify(sender, 'stale', `round ${round}`)
        expect((await again.receive(AbortSignal.timeout(5000))).payload).toBe(`round ${round}`)
        await again.close()
        await sub.close()
      }
    } finally {
      await db.close()
    }
  })
})
