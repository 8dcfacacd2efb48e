import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dropDurable, listen, notify, open, type PostgresDB } from '@liteorm/postgres'
import { admin } from '@liteorm/testing'
import { useDatabase } from '@liteorm/testing/vitest'
import { FaultProxy } from '../../../test/fault-proxy.js'
import { EventLog } from '../../../test/listener-probe.js'
import { logicalUnsupported } from './logical-support.js'

const skip = await logicalUnsupported()

/** Terminates the walsender serving liteorm's slot `slot` (or every liteorm slot of the database); resolves with how many it ended. */
async function killWalsender(url: string, slot?: string): Promise<number> {
  const rows = await admin(
    url,
    `select pg_terminate_backend(active_pid) from pg_replication_slots where active_pid is not null and database = current_database() and ${slot === undefined ? "slot_name like 'liteorm\\_%'" : 'slot_name = $1'}`,
    slot === undefined ? [] : [slot],
  )
  return rows.length
}

describe.skipIf(skip !== undefined)(`logical transport: faults${skip === undefined ? '' : ` (skipped: ${skip})`}`, () => {
  let url: string
  let db: PostgresDB<unknown>
  beforeAll(async () => {
    url = await useDatabase('logical_faults')
    db = open({ url, notifications: 'logical' })
  })
  afterAll(async () => {
    await dropDurable(db, 'faults').catch(() => {})
    await db.close()
  })

  it('a killed walsender: the temporary listener reconnects on a new slot, runs onReset(reconnected) and delivers again', async () => {
    const events = new EventLog()
    const resets: boolean[] = []
    const l = await listen(db, ['t'], { onEvent: events.record, onReset: ({ reconnected }) => void resets.push(reconnected) })
    expect(await killWalsender(url)).toBe(1)
    await events.next('reconnected')
    expect(events.types).toEqual(['connected', 'disconnected', 'reconnected'])
    expect(resets).toEqual([false, true])
    await notify(db, 't', 'after')
    expect((await l.receive(AbortSignal.timeout(5000))).payload).toBe('after')
    await l.close()
  })

  it('a killed walsender: the durable listener loses nothing sent meanwhile and repeats nothing it already delivered', async () => {
    const events = new EventLog()
    const l = await listen(db, ['d'], { durable: 'faults', onEvent: events.record, reconnect: { minDelayMs: 200, maxDelayMs: 400 } })
    for (let i = 0; i < 5; i++) await notify(db, 'd', String(i))
    const first = [await l.receive(AbortSignal.timeout(5000)), await l.receive(AbortSignal.timeout(5000))] // 2..4 wait in the queue, unacknowledged
    for (let round = 1; round <= 3; round++) {
      expect(await killWalsender(url, 'liteorm_faults')).toBe(1)
      await notify(db, 'd', `during ${round}`)
      await events.next('reconnected', round)
    }
    const rest = []
    for (let i = 0; i < 6; i++) rest.push(await l.receive(AbortSignal.timeout(5000)))
    expect([...first, ...rest].map((n) => n.payload)).toEqual(['0', '1', '2', '3', '4', 'during 1', 'during 2', 'during 3'])
    await expect(l.receive(AbortSignal.timeout(500))).rejects.toMatchObject({ name: 'TimeoutError' })
    await l.close()
  })

  it('a walsender killed in the middle of a large transaction: the new link skips the part already delivered, nothing repeats or is lost', async () => {
    const events = new EventLog()
    const l = await listen(db, ['half'], { durable: 'faults', maxBuffered: 10, onEvent: events.record, reconnect: { minDelayMs: 50, maxDelayMs: 200 } })
    const chunk = 'y'.repeat(1024)
    await db.transaction(async (tx) => {
      for (let i = 0; i < 3000; i++) await notify(tx, 'half', `${i}:${chunk}`)
    })
    const got: string[] = []
    for (let i = 0; i < 20; i++) got.push((await l.receive(AbortSignal.timeout(5000))).payload.split(':')[0]!)
    expect(await killWalsender(url, 'liteorm_faults')).toBe(1) // the stream is paused inside the transaction
    await events.next('reconnected')
    for (let i = 20; i < 3000; i++) got.push((await l.receive(AbortSignal.timeout(5000))).payload.split(':')[0]!)
    expect(got).toEqual(Array.from({ length: 3000 }, (_, i) => String(i)))
    await expect(l.receive(AbortSignal.timeout(500))).rejects.toMatchObject({ name: 'TimeoutError' })
    await l.close()
  })

  it('a black-holed replication connection is found by the health check (a status update must be answered) and replaced', async () => {
    const proxy = await FaultProxy.forUrl(url)
    const viaProxy = open({ url, listenUrl: proxy.rewrite(url), notifications: 'logical' })
    try {
      const healthCheckMs = 400
      const events = new EventLog()
      const l = await listen(viaProxy, ['hole'], { onEvent: events.record, healthCheckMs, reconnect: { minDelayMs: 50, maxDelayMs: 300 } })
      proxy.blackhole()
      const lost = await events.next('disconnected', 1, 5000)
      expect(lost.error!.message).toMatch(/no answer to health check/)
      proxy.restore()
      await events.next('reconnected', 1, 15_000)
      await notify(db, 'hole', 'back')
      expect((await l.receive(AbortSignal.timeout(5000))).payload).toBe('back')
      await l.close()
    } finally {
      await viaProxy.close()
      await proxy.close()
    }
  })
})
