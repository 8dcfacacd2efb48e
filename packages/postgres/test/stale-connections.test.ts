import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { useDatabase } from '@liteorm/testing/vitest'
import { ConnectionError, listen, notify, open, pool, sql, subscribe, type PostgresDB } from '@liteorm/postgres'
import { FaultProxy } from '../../../test/fault-proxy.js'
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

/** Opens and returns `count` connections to the pool's idle list. */
async function warm(db: PostgresDB<unknown>, count: number): Promise<void> {
  const clients = await Promise.all(Array.from({ length: count }, () => pool(db)!.connect()))
  for (const c of clients) c.release()
}

describe('stale pooled connections', () => {
  it('idle pooled connections whose server side is gone unnoticed: listen() and subscribe() take fresh ones instead of failing', async () => {
    const proxy = await FaultProxy.forUrl(url)
    const db = open({ connectionString: proxy.rewrite(url), max: 6 })
    try {
      for (let round = 0; round < 10; round++) {
        await warm(db, 4)
        proxy.orphan() // every idle connection now answers its next statement with a reset
        const [l, sub] = await Promise.all([listen(db, 'orphaned'), subscribe(db, 'orphaned')])
        await notify(sender, 'orphaned', `round ${round}`)
        expect((await l.receive(AbortSignal.timeout(5000))).payload).toBe(`round ${round}`)
        expect((await sub.receive(AbortSignal.timeout(5000))).payload).toBe(`round ${round}`)
        await l.close()
        await sub.close()
      }
    } finally {
      await db.close()
      await proxy.close()
    }
  })

  it("ping() on a live listener whose connection is dead unnoticed reconnects and answers on the fresh connection; listen() applies on it", async () => {
    const proxy = await FaultProxy.forUrl(url)
    const db = open({ connectionString: proxy.rewrite(url), max: 4 })
    try {
      const l = await listen(db, 'pinged', { reconnect: { minDelayMs: 10, maxDelayMs: 50 } })
      proxy.orphan() // the listener's connection: its server side gone, and nothing told
      await l.ping()
      await l.listen('added after')
      await notify(sender, 'added after', 'heard on the fresh connection')
      expect((await l.receive(AbortSignal.timeout(5000))).payload).toBe('heard on the fresh connection')
      await l.close()
    } finally {
      await db.close()
      await proxy.close()
    }
  })

  it('queries and transactions on idle pooled connections whose server side is gone: the idle check replaces them (checkIdleAfterMs), and without it the query fails', async () => {
    const proxy = await FaultProxy.forUrl(url)
    const checked = open({ connectionString: proxy.rewrite(url), max: 4, checkIdleAfterMs: 1 })
    const unchecked = open({ connectionString: proxy.rewrite(url), max: 4, checkIdleAfterMs: 0 })
    try {
      await Promise.all([warm(checked, 4), warm(unchecked, 4)])
      await new Promise((r) => setTimeout(r, 20)) // idle past the 1 ms threshold
      proxy.orphan()
      expect(await checked.queryOne(sql<{ one: number }>`select 1 as one`)).toEqual({ one: 1 })
      expect(await checked.transaction((tx) => tx.queryOne(sql<{ two: number }>`select 2 as two`))).toEqual({ two: 2 })
      await expect(unchecked.query(sql`select 1`)).rejects.toBeInstanceOf(ConnectionError)
    } finally {
      await Promise.all([checked.close(), unchecked.close()])
      await proxy.close()
    }
  })

  it('every backend killed, then listen() and subscribe() at once, 50 times over: no failure', async () => {
    const app = 'stale-kill'
    const db = open({ connectionString: url, application_name: app, max: 6 })
    try {
      for (let round = 0; round < 50; round++) {
        const events = new EventLog()
        const l = await listen(db, 'stale', { onEvent: events.record, reconnect: { minDelayMs: 10, maxDelayMs: 50 } })
        await warm(db, 2) // idle connections for the kill to make stale
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
  }, 90_000) // 50 kills and reconnects: about 18 s alone, more on a busy machine
})
