import { describe, expect, it } from 'vitest'
import { startEmbeddedPostgres, type EmbeddedServer } from '@liteorm/testing'
import { listen, notify, open, sql, type PostgresDB, type ResetInfo } from '@liteorm/postgres'
import { FaultProxy } from '../../../test/fault-proxy.js'

/**
 * The outbox pattern across a failover: writers insert a row and notify in
 * one transaction; the consumer LISTENs, marks backlog rows done in onReset
 * and live ones as they arrive. Half-way, the primary stops cleanly and its
 * standby is promoted (`move` does whatever points clients at the new
 * primary). Every committed row must end up done on the new primary.
 */
async function outboxAcrossFailover(db: PostgresDB<unknown>, primary: EmbeddedServer, standby: EmbeddedServer, move: () => void): Promise<{ committed: number; resets: ResetInfo[]; stopToDeliveryMs: number }> {
  const resets: ResetInfo[] = []
  const markDone = async (where: 'backlog' | number): Promise<void> => {
    for (const deadline = Date.now() + 20_000; ; ) {
      try {
        if (where === 'backlog') await db.exec(sql`update outbox set done = true where not done`)
        else await db.exec(sql`update outbox set done = true where id = ${where}`)
        return
      } catch (error) {
        if (Date.now() > deadline) throw error
        await new Promise((r) => setTimeout(r, 50))
      }
    }
  }
  const l = await listen(db, 'outbox', {
    reconnect: { minDelayMs: 50, maxDelayMs: 500 },
    onReset: async (info) => {
      resets.push(info)
      await markDone('backlog')
    },
  })
  let stoppedAt = 0
  let firstDeliveryAfterStop = 0
  const consuming = (async () => {
    for await (const n of l) {
      if (stoppedAt > 0 && firstDeliveryAfterStop === 0) firstDeliveryAfterStop = performance.now()
      await markDone(Number(n.payload))
    }
  })()
  const committed: number[] = []
  let writing = true
  const writer = (async () => {
    while (writing) {
      try {
        const id = await db.transaction(async (tx) => {
          const { id } = await tx.queryOne(sql<{ id: number }>`insert into outbox default values returning id`)
          await notify(tx, 'outbox', String(id))
          return id
        })
        committed.push(id)
      } catch {
        await new Promise((r) => setTimeout(r, 50)) // the failover window: try again
      }
    }
  })()
  while (committed.length < 50) await new Promise((r) => setTimeout(r, 10))
  await primary.pause() // a clean stop: everything committed has reached the standby
  stoppedAt = performance.now()
  await standby.promote()
  move()
  const before = committed.length
  // Write on until the listener, back on the new primary, delivers live again.
  for (const deadline = Date.now() + 20_000; committed.length < before + 20 || firstDeliveryAfterStop === 0; ) {
    if (Date.now() > deadline) throw new Error(`no live delivery within 20 s of the failover (${committed.length - before} rows written since)`)
    await new Promise((r) => setTimeout(r, 10))
  }
  writing = false
  await writer
  for (const deadline = Date.now() + 20_000; ; ) {
    const [{ left }] = (await db.query(sql<{ left: number }>`select count(*)::int as left from outbox where not done`)) as [{ left: number }]
    if (left === 0) break
    if (Date.now() > deadline) throw new Error(`${left} rows still not done 20 s after the failover`)
    await new Promise((r) => setTimeout(r, 50))
  }
  const rows = await db.query(sql<{ id: number; done: boolean }>`select id, done from outbox`)
  const done = new Set(rows.filter((r) => r.done).map((r) => r.id))
  expect(committed.filter((id) => !done.has(id)), 'committed rows lost or not done').toEqual([])
  await l.close()
  await consuming
  return { committed: committed.length, resets, stopToDeliveryMs: firstDeliveryAfterStop - stoppedAt }
}

async function primaryAndStandby(): Promise<{ primary: EmbeddedServer; standby: EmbeddedServer; stop: () => Promise<void> }> {
  const primary = await startEmbeddedPostgres()
  const setup = open(primary.url)
  await setup.exec(sql`create table outbox (id serial primary key, done boolean not null default false)`)
  await setup.close()
  const standby = await primary.startStandby()
  return { primary, standby, stop: async () => void (await Promise.all([primary.stop(), standby.stop()])) }
}

describe('failover to a promoted standby', () => {
  it('a multi-host URL with target_session_attrs=read-write: the pool and the listener reach the new primary, onReset runs, 0 committed rows lost', async () => {
    const { primary, standby, stop } = await primaryAndStandby()
    // The standby comes first: a connection in recovery is skipped.
    const url = `postgres://postgres:liteorm@127.0.0.1:${standby.port},127.0.0.1:${primary.port}/postgres?target_session_attrs=read-write`
    const db = open(url)
    try {
      const result = await outboxAcrossFailover(db, primary, standby, () => undefined)
      console.log(`multi-host failover: ${result.committed} rows committed, 0 lost; primary stop → first delivery ${result.stopToDeliveryMs.toFixed(0)} ms`)
      expect(result.resets[0]).toMatchObject({ reconnected: false })
      expect(result.resets.some((r) => r.reconnected)).toBe(true)
    } finally {
      await db.close()
      await stop()
    }
  })

  it('one address moved from the old primary to the new (a virtual IP or DNS failover): the same holds', async () => {
    const { primary, standby, stop } = await primaryAndStandby()
    const vip = await FaultProxy.forUrl(primary.url)
    const db = open(vip.rewrite(primary.url))
    try {
      const result = await outboxAcrossFailover(db, primary, standby, () => {
        vip.retarget(standby.url)
        vip.reset()
      })
      console.log(`address failover: ${result.committed} rows committed, 0 lost; primary stop → first delivery ${result.stopToDeliveryMs.toFixed(0)} ms`)
      expect(result.resets.some((r) => r.reconnected)).toBe(true)
    } finally {
      await db.close()
      await vip.close()
      await stop()
    }
  })

  it('a multi-host URL whose hosts are all standbys fails with ConnectionError naming each host', async () => {
    const { standby, stop } = await primaryAndStandby()
    const db = open(`postgres://postgres:liteorm@127.0.0.1:${standby.port},localhost:${standby.port}/postgres?target_session_attrs=read-write`)
    try {
      const error = await db.query(sql`select 1`).catch((e: unknown) => e)
      expect((error as Error).message).toMatch(/no host fits target_session_attrs=read-write.*standby/)
    } finally {
      await db.close()
      await stop()
    }
  })
})
