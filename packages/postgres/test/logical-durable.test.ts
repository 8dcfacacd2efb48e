import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { dropDurable, InvalidArgumentError, jsonChannel, listen, MissedNotificationsError, notify, open, replicationStatus, sql, status as dbStatus, subscribe, type PostgresDB } from '@liteorm/postgres'
import { startEmbeddedPostgres } from '@liteorm/testing'
import { useDatabase } from '@liteorm/testing/vitest'
import { EventLog } from '../../../test/listener-probe.js'
import { logicalUnsupported, replicationLeftovers } from './logical-support.js'

const skip = await logicalUnsupported()

describe.skipIf(skip !== undefined)(`logical transport: durable consumers${skip === undefined ? '' : ` (skipped: ${skip})`}`, () => {
  let url: string
  let db: PostgresDB<unknown>
  beforeAll(async () => {
    url = await useDatabase('logical_durable')
    db = open({ url, notifications: 'logical' })
  })
  afterAll(async () => {
    for (const name of ['resume', 'ack', 'iter', 'tail', 'drop', 'lag', 'sub_handler', 'sub_stream']) await dropDurable(db, name).catch(() => {})
    await db.close()
  })

  it('keeps what is sent while no listener runs and delivers it to the next listener of the same name', async () => {
    const first = await listen(db, ['jobs'], { durable: 'resume' })
    await first.close()
    await notify(db, 'jobs', 'while away 1')
    await notify(db, 'jobs', 'while away 2')
    const second = await listen(db, ['jobs'], { durable: 'resume' })
    expect((await second.receive(AbortSignal.timeout(5000))).payload).toBe('while away 1')
    expect((await second.receive(AbortSignal.timeout(5000))).payload).toBe('while away 2')
    await second.close()
  })

  it('acknowledges a notification only once the consumer asks for the next one: the last one received repeats after a restart', async () => {
    const first = await listen(db, ['acked'], { durable: 'ack' })
    for (const p of ['a', 'b', 'c']) await notify(db, 'acked', p)
    const a = await first.receive(AbortSignal.timeout(5000))
    const b = await first.receive(AbortSignal.timeout(5000)) // done with a
    expect([a.payload, b.payload]).toEqual(['a', 'b'])
    await first.close() // b was received but never done with
    const second = await listen(db, ['acked'], { durable: 'ack' })
    const again = await second.receive(AbortSignal.timeout(5000))
    expect(again).toEqual(b) // same payload and position: the consumer can drop it as a repeat
    expect((await second.receive(AbortSignal.timeout(5000))).payload).toBe('c')
    await second.close()
  })

  it('a durable subscription acknowledges a message once its handler settled: one whose handler never finished comes again to the next subscription of that name', async () => {
    const orders = jsonChannel<{ n: number }>('sub_orders')
    const handled: number[] = []
    let stuck!: () => void
    const entered = new Promise<void>((resolve) => (stuck = resolve))
    const first = await subscribe(db, orders, {
      durable: 'sub_handler',
      handler: async (m) => {
        if (m.value.n === 3) {
          stuck()
          await new Promise(() => {}) // a consumer that dies while handling 3
        }
        handled.push(m.value.n)
      },
    })
    for (let n = 1; n <= 4; n++) await notify(db, orders, { n })
    await entered
    expect(handled).toEqual([1, 2])
    await first.close()
    expect(first.started).toBe(false)
    const again: { n: number; position: string | undefined }[] = []
    const second = await subscribe(db, orders, { durable: 'sub_handler', handler: (m) => void again.push({ n: m.value.n, position: m.position }) })
    await vi.waitFor(() => expect(again.map((m) => m.n)).toEqual([3, 4]), { timeout: 10_000 })
    expect(again[0]!.position).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/)
    await second.close()
  })

  it('a durable stream subscription acknowledges a message when the next is asked for; durable on a NOTIFY DB is refused', async () => {
    const first = await subscribe(db, 'sub_stream', { durable: 'sub_stream' })
    for (const p of ['a', 'b']) await notify(db, 'sub_stream', p)
    expect((await first.receive(AbortSignal.timeout(5000))).payload).toBe('a')
    expect((await first.receive(AbortSignal.timeout(5000))).payload).toBe('b') // done with a
    await first.close()
    const second = await subscribe(db, 'sub_stream', { durable: 'sub_stream' })
    expect((await second.receive(AbortSignal.timeout(5000))).payload).toBe('b')
    await second.close()
    const plain = open(url)
    await expect(subscribe(plain, 'sub_stream', { durable: 'sub_stream' })).rejects.toBeInstanceOf(InvalidArgumentError)
    await plain.close()
  })

  it('ending a for-await loop acknowledges the last notification it handled', async () => {
    const first = await listen(db, ['loop'], { durable: 'iter' })
    await notify(db, 'loop', '1')
    await notify(db, 'loop', '2')
    for await (const n of first) {
      if (n.payload === '2') break
    }
    await first.close()
    await notify(db, 'loop', '3')
    const second = await listen(db, ['loop'], { durable: 'iter' })
    expect((await second.receive(AbortSignal.timeout(5000))).payload).toBe('3')
    await second.close()
  })

  it('closing right after the consumer is done waits for the end of its transaction, so that what was consumed is not delivered again', async () => {
    const first = await listen(db, ['tail'], { durable: 'tail' })
    await db.transaction(async (tx) => {
      await notify(tx, 'tail', 'consumed')
      // A large message of no listened channel: the transaction's Commit reaches the listener well after 'consumed' does.
      await tx.exec(sql`select pg_logical_emit_message(true, 'other', repeat('z', 20000000))`)
    })
    for await (const n of first) {
      if (n.payload === 'consumed') break
    }
    await first.close()
    await notify(db, 'tail', 'next')
    const second = await listen(db, ['tail'], { durable: 'tail' })
    expect((await second.receive(AbortSignal.timeout(10_000))).payload).toBe('next')
    await second.close()
    await dropDurable(db, 'tail')
  })

  it('dropDurable drops the slot of a consumer no longer running, refuses while one runs, and checks the name', async () => {
    const l = await listen(db, ['x'], { durable: 'drop' })
    await expect(dropDurable(db, 'drop')).rejects.toThrow(/active/)
    await l.close()
    await expect.poll(async () => (await replicationLeftovers(url)).walsenders, { timeout: 10_000 }).toBe(0)
    expect(await dropDurable(db, 'drop')).toBe(true)
    expect(await dropDurable(db, 'drop')).toBe(false)
    expect((await replicationLeftovers(url)).slots).not.toContain('liteorm_drop')
    await expect(dropDurable(db, 'No Such')).rejects.toBeInstanceOf(InvalidArgumentError)
  })

  it('shows each slot lag in bytes and warns onEvent past lagWarningBytes while the consumer is behind', async () => {
    const events = new EventLog()
    const l = await listen(db, ['lagging'], { durable: 'lag', lagWarningBytes: 1, healthCheckMs: 200, onEvent: events.record })
    await notify(db, 'lagging', 'unread')
    await l.receive(AbortSignal.timeout(5000)) // received, never done with: the slot stays behind
    await db.exec(sql`select pg_logical_emit_message(true, 'other', repeat('x', 100000))`)
    const warning = await events.next('lag')
    expect(warning).toMatchObject({ type: 'lag', slot: 'liteorm_lag' })
    expect((warning as { lagBytes: number }).lagBytes).toBeGreaterThan(1)
    const status = await replicationStatus(db)
    expect(status.find((s) => s.slot === 'liteorm_lag')).toMatchObject({ durable: 'lag', active: true, invalidated: false })
    expect(status.find((s) => s.slot === 'liteorm_lag')!.lagBytes).toBeGreaterThan(100000)
    const { slots } = await dbStatus(db)
    expect(slots?.find((s) => s.slot === 'liteorm_lag')?.lagBytes).toBeGreaterThan(100000)
    await l.close()
  })
})

describe.skipIf(skip !== undefined)(`logical transport: a slot the server invalidated${skip === undefined ? '' : ` (skipped: ${skip})`}`, () => {
  it('is reported clearly, then replaced: connect-failed with SLOT_INVALIDATED, and onReset on the new slot', async () => {
    const server = await startEmbeddedPostgres({ settings: { max_slot_wal_keep_size: '1MB', wal_keep_size: 0 } })
    const db = open({ url: server.url, notifications: 'logical' })
    try {
      const events = new EventLog()
      const resets: boolean[] = []
      const l = await listen(db, ['inv'], {
        durable: 'inv',
        reconnect: { minDelayMs: 50, maxDelayMs: 200 },
        onEvent: events.record,
        onReset: ({ reconnected }) => void resets.push(reconnected),
      })
      await notify(db, 'inv', 'held')
      await l.receive(AbortSignal.timeout(5000)) // never done with: the slot cannot advance
      for (let i = 0; i < 4; i++) await db.exec(sql`select pg_logical_emit_message(false, 'filler', repeat('x', 2000000)), pg_switch_wal()`)
      await db.exec(sql`checkpoint`)
      const failed = await events.next('connect-failed')
      expect(failed.error).toBeInstanceOf(MissedNotificationsError)
      expect(failed.error).toMatchObject({ code: 'SLOT_INVALIDATED' })
      expect(failed.error!.message).toMatch(/invalidated the durable slot liteorm_inv.*max_slot_wal_keep_size/)
      await events.next('reconnected')
      expect(resets).toEqual([false, true])
      await notify(db, 'inv', 'after')
      expect((await l.receive(AbortSignal.timeout(5000))).payload).toBe('after')
      await l.close()
      await dropDurable(db, 'inv')
    } finally {
      await db.close()
      await server.stop()
    }
  })
})
