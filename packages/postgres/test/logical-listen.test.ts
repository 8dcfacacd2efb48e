import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ClosedError, InvalidArgumentError, jsonChannel, listen, notify, open, sql, subscribe, type PostgresDB } from '@liteorm/postgres'
import { useDatabase } from '@liteorm/testing/vitest'
import { logicalUnsupported, replicationLeftovers } from './logical-support.js'

const skip = await logicalUnsupported()

describe.skipIf(skip !== undefined)(`logical transport: notify and listen${skip === undefined ? '' : ` (skipped: ${skip})`}`, () => {
  let url: string
  let db: PostgresDB<unknown>
  beforeAll(async () => {
    url = await useDatabase('logical_listen')
    db = open({ url, notifications: 'logical' })
  })
  afterAll(() => db.close())

  it('delivers a committed message with its channel, payload and LSN position', async () => {
    const l = await listen(db, ['orders'])
    await db.transaction(async (tx) => {
      await tx.exec(sql`select 1`)
      await notify(tx, 'orders', '{"id":1}')
    })
    const n = await l.receive(AbortSignal.timeout(5000))
    expect(n).toMatchObject({ channel: 'orders', payload: '{"id":1}', pid: 0 })
    expect(n.position).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/)
    expect(Object.isFrozen(n)).toBe(true)
    await l.close()
  })

  it('a subscription on the shared listener gets the LSN position too, on plain and typed channels', async () => {
    const plain = await subscribe(db, 'sub_position')
    const typed = await subscribe(db, jsonChannel<{ id: number }>('sub_position'))
    await notify(db, 'sub_position', '{"id":2}')
    for (const s of [plain, typed]) expect((await s.receive(AbortSignal.timeout(5000))).position).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/)
    await Promise.all([plain.close(), typed.close()])
  })

  it('a rolled-back transaction and a rolled-back savepoint deliver nothing; the rest arrives in commit order', async () => {
    const l = await listen(db, ['tx'])
    await expect(
      db.transaction(async (tx) => {
        await notify(tx, 'tx', 'rolled back')
        throw new Error('roll back')
      }),
    ).rejects.toThrow('roll back')
    await db.transaction(async (tx) => {
      await notify(tx, 'tx', 'kept 1')
      await expect(
        tx.transaction(async (sp) => {
          await notify(sp, 'tx', 'savepoint rolled back')
          throw new Error('savepoint')
        }),
      ).rejects.toThrow('savepoint')
      await notify(tx, 'tx', 'kept 2')
    })
    await notify(db, 'tx', 'last')
    const got = [await l.receive(AbortSignal.timeout(5000)), await l.receive(AbortSignal.timeout(5000)), await l.receive(AbortSignal.timeout(5000))]
    expect(got.map((n) => n.payload)).toEqual(['kept 1', 'kept 2', 'last'])
    await expect(l.receive(AbortSignal.timeout(300))).rejects.toMatchObject({ name: 'TimeoutError' })
    await l.close()
  })

  it('delivers in commit order across 4 concurrent senders', async () => {
    const l = await listen(db, ['order'])
    await db.exec(sql`create table commit_log (id bigserial primary key, sender int, seq int)`)
    const PER_SENDER = 50
    await Promise.all(
      [0, 1, 2, 3].map(async (sender) => {
        for (let seq = 0; seq < PER_SENDER; seq++) {
          await db.transaction(async (tx) => {
            await notify(tx, 'order', `${sender}:${seq}`)
            // Serialise the commits through one row lock, so the table records the commit order.
            await tx.exec(sql`select pg_advisory_xact_lock(42)`)
            await tx.exec(sql`insert into commit_log (sender, seq) values (${sender}, ${seq})`)
          })
        }
      }),
    )
    const received: string[] = []
    for (let i = 0; i < 4 * PER_SENDER; i++) received.push((await l.receive(AbortSignal.timeout(5000))).payload)
    const log = await db.query(sql<{ sender: number; seq: number }>`select sender, seq from commit_log order by id`)
    expect(received).toEqual(log.map((r) => `${r.sender}:${r.seq}`))
    await l.close()
  })

  it('carries payloads of 0 B, 8000 B, 1 MB and 10 MB intact', async () => {
    const l = await listen(db, ['big'])
    const sizes = [0, 8000, 1024 * 1024, 10 * 1024 * 1024]
    const payloads = sizes.map((size, i) => 'é'.repeat(Math.floor(size / 4)) + String(i).repeat(size - 2 * Math.floor(size / 4)))
    for (const p of payloads) await notify(db, 'big', p)
    for (const p of payloads) {
      const n = await l.receive(AbortSignal.timeout(20_000))
      expect(Buffer.byteLength(n.payload)).toBe(Buffer.byteLength(p))
      expect(n.payload === p).toBe(true)
    }
    await l.close()
  })

  it('checks channels as NOTIFY does and payloads against its own maximum, before any I/O', async () => {
    await expect(notify(db, '', 'x')).rejects.toBeInstanceOf(InvalidArgumentError)
    await expect(notify(db, 'x'.repeat(64), 'x')).rejects.toBeInstanceOf(InvalidArgumentError)
    await expect(notify(db, 'ch', 'a\0b')).rejects.toBeInstanceOf(InvalidArgumentError)
    await expect(notify(db, 'ch', 'x'.repeat(256 * 1024 * 1024 + 1))).rejects.toThrow(/at most 268435456/)
  })

  it('of 1000 channels sent to, delivers only the subscribed ones', async () => {
    const l = await listen(db, ['c7', 'c500', 'c999'])
    await db.transaction(async (tx) => {
      for (let i = 0; i < 1000; i++) await notify(tx, `c${i}`, String(i))
    })
    const got = [await l.receive(AbortSignal.timeout(5000)), await l.receive(AbortSignal.timeout(5000)), await l.receive(AbortSignal.timeout(5000))]
    expect(got.map((n) => n.channel)).toEqual(['c7', 'c500', 'c999'])
    await expect(l.receive(AbortSignal.timeout(300))).rejects.toMatchObject({ name: 'TimeoutError' })
    await l.close()
  })

  it('listen and unlisten at runtime change what is delivered from the next message on', async () => {
    const l = await listen(db, ['a'])
    await l.listen('b')
    await notify(db, 'b', 'b1')
    expect((await l.receive(AbortSignal.timeout(5000))).payload).toBe('b1')
    await l.unlisten('a')
    await notify(db, 'a', 'a1')
    await notify(db, 'b', 'b2')
    expect((await l.receive(AbortSignal.timeout(5000))).payload).toBe('b2')
    await l.unlistenAll()
    await notify(db, 'b', 'b3')
    await expect(l.receive(AbortSignal.timeout(300))).rejects.toMatchObject({ name: 'TimeoutError' })
    await expect(l.listen('b')).resolves.toBeUndefined()
    await expect(l.listen('b')).rejects.toBeInstanceOf(InvalidArgumentError)
    await l.close()
  })

  it('close() ends the walsender and its temporary slot', async () => {
    const l = await listen(db, ['gone'])
    expect((await replicationLeftovers(url)).walsenders).toBe(1)
    await l.close()
    await expect(l.receive()).rejects.toBeInstanceOf(ClosedError)
    await expect.poll(() => replicationLeftovers(url), { timeout: 15_000 }).toEqual({ walsenders: 0, slots: [] })
  })

  it('db.close() closes the logical listeners of the DB and leaves no walsender or slot behind', async () => {
    const own = open({ url, notifications: 'logical' })
    const a = await listen(own, ['x'])
    const b = await listen(own, ['y'])
    const pending = expect(a.receive()).rejects.toBeInstanceOf(ClosedError)
    await own.close()
    await pending
    await expect(b.receive()).rejects.toBeInstanceOf(ClosedError)
    await expect.poll(() => replicationLeftovers(url), { timeout: 15_000 }).toEqual({ walsenders: 0, slots: [] })
  })

  it('rejects a bad notifications option at open, and durable on the NOTIFY transport', async () => {
    expect(() => open({ url, notifications: 'wal' as 'logical' })).toThrow(InvalidArgumentError)
    expect(() => open({ url, notifications: 'logical', largePayloads: 'table' })).toThrow(/largePayloads is for the NOTIFY transport/)
    const plain = open(url)
    await expect(listen(plain, 'x', { durable: 'billing' })).rejects.toThrow(/notifications: 'logical'/)
    await plain.close()
    await expect(listen(db, 'x', { durable: 'Billing!' })).rejects.toBeInstanceOf(InvalidArgumentError)
  })

  it('a slow consumer pauses the replication stream: the walsender waits on its socket instead of the listener buffering', async () => {
    const l = await listen(db, ['flood'], { maxBuffered: 4, healthCheckMs: false })
    const chunk = 'x'.repeat(1024 * 1024)
    await db.transaction(async (tx) => {
      for (let i = 0; i < 48; i++) await notify(tx, 'flood', `${i}:${chunk}`)
    })
    const blocked = async (): Promise<string | undefined> => {
      const rows = await db.query(
        sql<{ wait: string | null }>`select a.wait_event as wait from pg_stat_activity a join pg_replication_slots s on s.active_pid = a.pid where s.slot_name like 'liteorm\_%' and s.database = current_database()`,
      )
      return rows[0]?.wait ?? undefined
    }
    await expect.poll(blocked, { timeout: 15_000, interval: 50 }).toBe('WalSenderWriteData')
    await new Promise((resolve) => setTimeout(resolve, 1000)) // a generous bound: still blocked a second later, with nothing received
    expect(await blocked()).toBe('WalSenderWriteData')
    for (let i = 0; i < 48; i++) expect((await l.receive(AbortSignal.timeout(10_000))).payload).toBe(`${i}:${chunk}`)
    await l.close()
  })
})
