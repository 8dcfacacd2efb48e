import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ClosedError, InvalidArgumentError, listen, notify, open, pool, sql, type Notification, type PostgresDB } from '@liteorm/postgres'
import { useDatabase } from '@liteorm/testing/vitest'

let db: PostgresDB<unknown>
beforeAll(async () => {
  db = open(await useDatabase('listen'))
})
afterAll(() => db.close())

describe('listen and notify', () => {
  it('delivers a notification with channel, payload and the sender pid', async () => {
    const l = await listen(db, ['jobs'])
    const sender = await db.transaction(async (tx) => {
      const { pid } = await tx.queryOne(sql<{ pid: number }>`select pg_backend_pid() as pid`)
      await notify(tx, 'jobs', '{"id":1}')
      return pid
    })
    const n = await l.receive(AbortSignal.timeout(5000))
    expect(n).toEqual({ channel: 'jobs', payload: '{"id":1}', pid: sender })
    expect(Object.isFrozen(n)).toBe(true)
    await l.close()
  })

  it('listen resolves only once LISTEN is in place: a notify right after it is heard', async () => {
    for (let i = 0; i < 5; i++) {
      const l = await listen(db, `ready_${i}`)
      await notify(db, `ready_${i}`, String(i))
      expect((await l.receive(AbortSignal.timeout(5000))).payload).toBe(String(i))
      await l.close()
    }
  })

  it('a notification without payload arrives with an empty payload', async () => {
    const l = await listen(db, 'empty')
    await notify(db, 'empty')
    expect((await l.receive(AbortSignal.timeout(5000))).payload).toBe('')
    await l.close()
  })

  it('channel names are exact and case-sensitive: Audit and audit are different channels', async () => {
    const l = await listen(db, ['Audit'])
    await notify(db, 'audit', 'lower')
    await notify(db, 'AUDIT', 'upper')
    await notify(db, 'Audit', 'exact')
    expect((await l.receive(AbortSignal.timeout(5000))).payload).toBe('exact')
    await expect(l.receive(AbortSignal.timeout(200))).rejects.toMatchObject({ name: 'TimeoutError' })
    await l.close()
  })

  it('channel names are always quoted, whatever characters they hold', async () => {
    const names = ['with space', 'semi;colon', 'quote"d', "it's", 'Ünïcödé ✓', 'drop table x; --', '123starts_with_digit', 'a'.repeat(63)]
    const l = await listen(db, names)
    for (const name of names) await notify(db, name, name)
    const got: string[] = []
    for (const _ of names) got.push((await l.receive(AbortSignal.timeout(5000))).channel)
    expect(got).toEqual(names)
    await l.close()
  })

  it('delivers in arrival order, none lost or duplicated', async () => {
    const l = await listen(db, ['order_a', 'order_b'])
    const count = 2000
    await db.exec(sql`select pg_notify(case when g % 2 = 0 then 'order_a' else 'order_b' end, g::text) from generate_series(1, ${count}) g`)
    const payloads: number[] = []
    for (let i = 0; i < count; i++) payloads.push(Number((await l.receive(AbortSignal.timeout(5000))).payload))
    expect(payloads).toEqual(Array.from({ length: count }, (_, i) => i + 1))
    await expect(l.receive(AbortSignal.timeout(200))).rejects.toMatchObject({ name: 'TimeoutError' })
    await l.close()
  })

  it('notify in a transaction is delivered at commit, and not at all on rollback', async () => {
    const l = await listen(db, 'tx')
    await expect(
      db.transaction(async (tx) => {
        await notify(tx, 'tx', 'rolled back')
        throw new Error('abort')
      }),
    ).rejects.toThrow('abort')
    await db.transaction(async (tx) => {
      await notify(tx, 'tx', 'committed')
      await expect(l.receive(AbortSignal.timeout(300))).rejects.toMatchObject({ name: 'TimeoutError' })
    })
    expect((await l.receive(AbortSignal.timeout(5000))).payload).toBe('committed')
    await expect(l.receive(AbortSignal.timeout(200))).rejects.toMatchObject({ name: 'TimeoutError' })
    await l.close()
  })

  it('aborting a receive rejects that call only; the listener stays usable and keeps what was queued', async () => {
    const l = await listen(db, 'abort')
    const controller = new AbortController()
    const pending = l.receive(controller.signal)
    controller.abort(new Error('changed my mind'))
    await expect(pending).rejects.toThrow('changed my mind')
    await notify(db, 'abort', 'one')
    await notify(db, 'abort', 'two')
    await l.ping() // its answer comes after both notifications: they are queued
    expect((await l.receive()).payload).toBe('one')
    expect((await l.receive()).payload).toBe('two')
    await l.close()
  })

  it('an already-aborted signal rejects at once and consumes nothing', async () => {
    const l = await listen(db, 'preaborted')
    await notify(db, 'preaborted', 'kept')
    const first = await l.receive(AbortSignal.timeout(5000))
    await notify(db, 'preaborted', 'still kept')
    await l.ping() // its answer comes after the notification: it is queued
    const aborted = AbortSignal.abort(new Error('already aborted'))
    await expect(l.receive(aborted)).rejects.toThrow('already aborted')
    expect(first.payload).toBe('kept')
    expect((await l.receive(AbortSignal.timeout(5000))).payload).toBe('still kept')
    await l.close()
  })

  it('close() while receive() is pending rejects it with ClosedError, and later receives too', async () => {
    const l = await listen(db, 'closing')
    const pending = expect(l.receive()).rejects.toBeInstanceOf(ClosedError)
    await l.close()
    await pending
    await expect(l.receive()).rejects.toBeInstanceOf(ClosedError)
  })

  it('close() is idempotent', async () => {
    const l = await listen(db, 'twice')
    await Promise.all([l.close(), l.close()])
    await l.close()
    await expect(l.listen('more')).rejects.toBeInstanceOf(ClosedError)
  })

  it('close() returns the connection to the pool reset: listening to nothing, pool back to its size', async () => {
    const p = pool(db)!
    await db.exec(sql`select 1`) // one idle connection in the pool
    const before = { total: p.totalCount, idle: p.idleCount }
    const l = await listen(db, ['hygiene_a', 'hygiene_b'])
    expect(p.idleCount).toBe(before.idle - 1)
    await l.close()
    expect(l.channels).toEqual([])
    expect({ total: p.totalCount, idle: p.idleCount }).toEqual(before)
    const client = await p.connect()
    try {
      const { rows } = await client.query('select pg_listening_channels() as c')
      expect(rows).toEqual([])
    } finally {
      client.release()
    }
  })

  it('async iteration yields notifications in order and ends when the listener closes', async () => {
    const l = await listen(db, 'iterate')
    for (let i = 0; i < 3; i++) await notify(db, 'iterate', String(i))
    const seen: Notification[] = []
    for await (const n of l) {
      seen.push(n)
      if (seen.length === 3) void l.close()
    }
    expect(seen.map((n) => n.payload)).toEqual(['0', '1', '2'])
  })

  it('duplicate listen and unknown unlisten reject with InvalidArgumentError', async () => {
    const l = await listen(db, ['dup'])
    await expect(l.listen('dup')).rejects.toBeInstanceOf(InvalidArgumentError)
    await expect(l.unlisten('nope')).rejects.toBeInstanceOf(InvalidArgumentError)
    expect(l.channels).toEqual(['dup'])
    await l.close()
  })

  it('db.close() closes its listeners: pending receives reject with ClosedError', async () => {
    const own = open(pool(db)!.options.connectionString!)
    const l = await listen(own, 'db_close')
    const pending = expect(l.receive()).rejects.toBeInstanceOf(ClosedError)
    await own.close()
    await pending
  })
})
