import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ConnectionError, LiteormError, listen, notify, open, pool, sql, type Notification, type PostgresDB } from '@liteorm/postgres'
import { freePort } from '@liteorm/testing'
import { FaultProxy } from '../../../test/fault-proxy.js'
import { useDatabase } from '@liteorm/testing/vitest'

let url: string
let db: PostgresDB<unknown>
beforeAll(async () => {
  url = await useDatabase('notify_batch')
  db = open({ connectionString: url, max: 4 })
})
afterAll(() => db.close())

async function receiveAll(l: AsyncIterable<Notification>, count: number): Promise<Notification[]> {
  const got: Notification[] = []
  for await (const n of l) {
    got.push(n)
    if (got.length === count) break
  }
  return got
}

describe('notify on a DB: calls made together share one statement', () => {
  it.each([2, 10, 16, 17, 300])('a burst of %i concurrent notify calls is delivered complete, in call order, from one statement', async (count) => {
    const l = await listen(db, 'burst')
    const payloads = Array.from({ length: count }, (_, i) => `n${i}`)
    await Promise.all(payloads.map((p) => notify(db, 'burst', p)))
    const got = await receiveAll(l, payloads.length)
    await l.close()
    expect(got.map((n) => n.payload)).toEqual(payloads)
    // One statement, so one sending backend; separate statements would have spread over the pool's 4 connections.
    expect(new Set(got.map((n) => n.pid)).size).toBe(1)
  })

  it('identical notifications issued together are each delivered (PostgreSQL would fold them within one transaction)', async () => {
    const l = await listen(db, ['same', 'other'])
    await Promise.all([notify(db, 'same', 'x'), notify(db, 'same', 'x'), notify(db, 'other', 'x'), notify(db, 'same', 'x')])
    const got = await receiveAll(l, 4)
    await l.close()
    expect(got.map((n) => `${n.channel}:${n.payload}`).sort()).toEqual(['other:x', 'same:x', 'same:x', 'same:x'])
  })

  it('when the shared statement is refused, each caller gets its own error, and the DB stays usable', async () => {
    const role = `notify_denied_${process.pid}`
    await db.exec(sql.raw(`create role ${role} login password 'pw'`))
    await db.exec(sql.raw(`revoke execute on function pg_notify(text, text) from public`))
    const denied = new URL(url)
    denied.username = role
    denied.password = 'pw'
    const restricted = open(denied.toString())
    try {
      const results = await Promise.allSettled([notify(restricted, 'a', '1'), notify(restricted, 'b', '2'), notify(restricted, 'c', '3')])
      expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected'])
      const errors = results.map((r) => (r as PromiseRejectedResult).reason as LiteormError)
      expect(new Set(errors).size).toBe(3)
      for (const e of errors) {
        expect(e).toBeInstanceOf(LiteormError)
        expect(e.message).toMatch(/permission denied/)
        expect(e.driverCode).toBe('42501')
      }
    } finally {
      await restricted.close()
      await db.exec(sql.raw(`grant execute on function pg_notify(text, text) to public`))
      await db.exec(sql.raw(`drop role ${role}`))
    }
    const l = await listen(db, 'after')
    await Promise.all([notify(db, 'after', '1'), notify(db, 'after', '2')])
    expect((await receiveAll(l, 2)).map((n) => n.payload)).toEqual(['1', '2'])
    await l.close()
  })

  it('when the server has lost the prepared statements (DEALLOCATE ALL, DISCARD ALL, a pooler), notify still delivers', async () => {
    const single = open({ connectionString: url, max: 1 })
    try {
      const l = await listen(db, 'lost_prepared')
      await notify(single, 'lost_prepared', 'prepared')
      await Promise.all([notify(single, 'lost_prepared', 'a'), notify(single, 'lost_prepared', 'b')])
      await single.exec(sql`deallocate all`) // the same, only connection
      await notify(single, 'lost_prepared', 'after')
      await Promise.all([notify(single, 'lost_prepared', 'c'), notify(single, 'lost_prepared', 'd')])
      expect((await receiveAll(l, 6)).map((n) => n.payload)).toEqual(['prepared', 'a', 'b', 'after', 'c', 'd'])
      await l.close()
    } finally {
      await single.close()
    }
  })

  it('when the server cannot be reached, every caller of the statement rejects with ConnectionError', async () => {
    const port = await freePort()
    const unreachable = open(`postgres://app:secret@127.0.0.1:${port}/app`)
    try {
      const results = await Promise.allSettled([notify(unreachable, 'a', '1'), notify(unreachable, 'a', '2')])
      for (const r of results) {
        expect(r.status).toBe('rejected')
        expect((r as PromiseRejectedResult).reason).toBeInstanceOf(ConnectionError)
      }
    } finally {
      await unreachable.close()
    }
  })

  it('a connection lost while a shared statement is in flight fails every caller with ConnectionError and is not retried call by call: nothing is delivered', async () => {
    const proxy = await FaultProxy.forUrl(url)
    const proxied = open({ connectionString: proxy.rewrite(url), max: 1 })
    const l = await listen(db, 'in_flight')
    try {
      await proxied.exec(sql`select 1`) // the pool's one connection, open and idle
      proxy.blackhole()
      const results = Promise.allSettled([notify(proxied, 'in_flight', 'a'), notify(proxied, 'in_flight', 'b')])
      await waitUntil(() => statementInFlight(proxied)) // written into the black hole, never to reach the server
      proxy.reset()
      proxy.restore() // a retry would now get through on a new connection
      for (const r of await results) {
        expect(r.status).toBe('rejected')
        expect((r as PromiseRejectedResult).reason).toBeInstanceOf(ConnectionError)
      }
      await notify(db, 'in_flight', 'marker')
      expect((await l.receive(AbortSignal.timeout(5000))).payload).toBe('marker')
    } finally {
      await l.close()
      await proxy.close()
      await proxied.close()
    }
  })
})

/**
 * Whether the one connection of `db`'s pool has a statement sent and
 * unanswered. Reads pg's internal active query (`_activeQuery` in recent pg
 * versions, whose `activeQuery` getter prints a deprecation warning), which has
 * no public form.
 */
function statementInFlight(db: PostgresDB<unknown>): boolean {
  const clients = (pool(db) as unknown as { _clients: { _activeQuery?: unknown; activeQuery?: unknown }[] })._clients
  return clients.some((c) => {
    const active = '_activeQuery' in c ? c._activeQuery : c.activeQuery
    return active !== null && active !== undefined
  })
}

async function waitUntil(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`)
    await new Promise((r) => setTimeout(r, 5))
  }
}
