import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { listen, notify, open, sql, type PostgresDB } from '@liteorm/postgres'
import { FaultProxy } from '../../../test/fault-proxy.js'
import { EventLog, expectNoBackends, killBackends } from '../../../test/listener-probe.js'
import { useDatabase } from '@liteorm/testing/vitest'

const SOAK_MS = 30_000
const APP = 'soak-listener'

let url: string
let db: PostgresDB<unknown>
beforeAll(async () => {
  url = await useDatabase('soak')
  db = open(url)
  await db.exec(sql`create table outbox (id bigserial primary key, done boolean not null default false)`)
})
afterAll(() => db.close())

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

describe('the outbox pattern under chaos', () => {
  it('rows inserted and notified in one transaction for 30 s, while the listener is killed every second and black-holed twice, all end up done: 0 lost', async () => {
    const proxy = await FaultProxy.forUrl(url)
    const listenerDb = open({ connectionString: proxy.rewrite(url), application_name: APP })
    const events = new EventLog()
    const seen = new Map<number, number>() // id → times marked done by this consumer
    let backlogRows = 0
    const markDone = async (ids: number[]): Promise<void> => {
      for (const id of ids) seen.set(id, (seen.get(id) ?? 0) + 1)
    }
    const l = await listen(listenerDb, 'outbox', {
      healthCheckMs: 300,
      reconnect: { minDelayMs: 20, maxDelayMs: 300 },
      onEvent: events.record,
      // LISTEN is in place: whatever is still undone now was possibly missed.
      onReset: async () => {
        const rows = await db.query(sql<{ id: string }>`update outbox set done = true where not done returning id`)
        backlogRows += rows.length
        await markDone(rows.map((r) => Number(r.id)))
      },
    })

    let stop = false
    let produced = 0
    const producer = (async () => {
      while (!stop) {
        await db.transaction(async (tx) => {
          const { id } = await tx.queryOne(sql<{ id: string }>`insert into outbox default values returning id`)
          await notify(tx, 'outbox', id)
        })
        produced++
        await sleep(2)
      }
    })()

    const consumer = (async () => {
      for await (const n of l) {
        await db.exec(sql`update outbox set done = true where id = ${n.payload}`)
        await markDone([Number(n.payload)])
      }
    })()

    let kills = 0
    let blackholes = 0
    const started = Date.now()
    while (Date.now() - started < SOAK_MS) {
      await sleep(800 + Math.random() * 400)
      const elapsed = Date.now() - started
      if ((blackholes === 0 && elapsed > SOAK_MS / 3) || (blackholes === 1 && elapsed > (2 * SOAK_MS) / 3)) {
        blackholes++
        proxy.blackhole()
        await sleep(1200)
        proxy.restore()
      } else {
        kills += await killBackends(url, APP)
      }
    }
    stop = true
    await producer

    // Every row must be marked done by a notification or by a reset's backlog read.
    const deadline = Date.now() + 15_000
    let undone = -1
    while (Date.now() < deadline) {
      undone = (await db.queryOne(sql<{ n: number }>`select count(*)::int as n from outbox where not done`)).n
      if (undone === 0 && seen.size === produced) break
      await sleep(100)
    }
    await l.close()
    await consumer
    const duplicates = [...seen.values()].filter((times) => times > 1).length
    const lost = produced - seen.size
    console.log(
      `outbox soak: ${produced} rows, ${kills} kills, ${blackholes} black-holes, ${events.count('reconnected')} reconnects, ` +
        `${backlogRows} rows via onReset backlog, ${duplicates} duplicates (delivered again after the backlog), ${lost} lost`,
    )
    expect(kills).toBeGreaterThanOrEqual(15)
    expect(blackholes).toBe(2)
    expect(events.count('reconnected')).toBeGreaterThanOrEqual(kills)
    expect(undone).toBe(0)
    expect(lost).toBe(0)
    await listenerDb.close()
    await proxy.close()
    await expectNoBackends(url, APP)
  }, 90_000)
})
