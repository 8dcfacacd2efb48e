import { mkdtempSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { listen, notify, open, sql, type ListenerEvent, type ResetInfo } from '@liteorm/sqlite'

const dir = mkdtempSync(join(tmpdir(), 'liteorm-sqlite-notify-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let files = 0
const newFile = (): string => join(dir, `notify-${++files}.db`)

/** Long enough that a listener never polls during a test: only this process's commits make it read. */
const NEVER_POLLS = 600_000
const within = (): AbortSignal => AbortSignal.timeout(5000)
const nothing = (): AbortSignal => AbortSignal.timeout(300)
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

describe('delivery within this process', () => {
  it('a commit in this process wakes the listener at once, without waiting for a poll', async () => {
    const db = open(newFile())
    const l = await listen(db, 'now', { pollIntervalMs: NEVER_POLLS })
    await notify(db, 'now', 'no poll needed')
    expect((await l.receive(within())).payload).toBe('no poll needed')
    await db.close()
  })

  it('a commit through another DB on the same file, or another path to it, wakes the listener at once', async () => {
    const file = newFile()
    const link = join(dir, 'a-symlink.db')
    symlinkSync(file, link)
    const db = open(file)
    const other = open(file)
    const viaLink = open(link)
    const l = await listen(db, 'shared', { pollIntervalMs: NEVER_POLLS })
    await notify(other, 'shared', 'from another DB')
    await notify(viaLink, 'shared', 'through a symlink')
    expect((await l.receive(within())).payload).toBe('from another DB')
    expect((await l.receive(within())).payload).toBe('through a symlink')
    await Promise.all([db.close(), other.close(), viaLink.close()])
  })

  it("each notification of this process is delivered once: the table's poll does not repeat what the commit delivered", async () => {
    const db = open(newFile())
    const l = await listen(db, 'once', { pollIntervalMs: 1 })
    for (let i = 0; i < 20; i++) await notify(db, 'once', String(i))
    for (let i = 0; i < 20; i++) expect((await l.receive(within())).payload).toBe(String(i))
    await sleep(100) // many polls
    await expect(l.receive(nothing())).rejects.toMatchObject({ name: 'TimeoutError' })
    await db.close()
  })

  it(':memory: databases are separate: a listener hears its own DB only', async () => {
    const a = open(':memory:')
    const b = open(':memory:')
    const l = await listen(a, 'mem')
    await notify(b, 'mem', 'from b')
    await notify(a, 'mem', 'from a')
    expect((await l.receive(within())).payload).toBe('from a')
    await expect(l.receive(nothing())).rejects.toMatchObject({ name: 'TimeoutError' })
    await Promise.all([a.close(), b.close()])
  })

  it.each([
    ['a file', newFile],
    [':memory:', () => ':memory:'],
  ])('on %s, a listener started inside a transaction that already notified hears it at commit, as on PostgreSQL', async (_, filename) => {
    const db = open(filename())
    const l = await db.transaction(async (tx) => {
      await notify(tx, 'started_late', 'sent before listen, committed after')
      return listen(db, 'started_late', { pollIntervalMs: NEVER_POLLS })
    })
    expect((await l.receive(within())).payload).toBe('sent before listen, committed after')
    await db.close()
  })

  it(':memory: listener woken while a transaction that notified is open (its consumer drained) never delivers that rolled-back notification', async () => {
    const db = open(':memory:')
    const l = await listen(db, 'open_tx', { maxBuffered: 4 })
    await db.transaction(async (tx) => {
      for (let i = 0; i < 5; i++) await notify(tx, 'open_tx', `committed ${i}`)
    }) // the listener reads four, then waits for its consumer
    const rolledBack = db.transaction(async (tx) => {
      await notify(tx, 'open_tx', 'rolled back')
      // Draining to the low-water mark wakes the listener; it runs before the next macrotask, with the transaction open.
      expect((await l.receive(within())).payload).toBe('committed 0')
      expect((await l.receive(within())).payload).toBe('committed 1')
      await new Promise(setImmediate)
      throw new Error('roll back')
    })
    await expect(rolledBack).rejects.toThrow('roll back')
    await notify(db, 'open_tx', 'marker')
    for (const payload of ['committed 2', 'committed 3', 'committed 4', 'marker']) expect((await l.receive(within())).payload).toBe(payload)
    await db.close()
  })

  it('a slow consumer loses nothing: the listener stops reading at maxBuffered and resumes as it drains', async () => {
    const db = open(newFile())
    const l = await listen(db, 'slow', { maxBuffered: 10 })
    await db.transaction(async (tx) => {
      for (let i = 0; i < 1000; i++) await notify(tx, 'slow', String(i))
    })
    for (let i = 0; i < 1000; i++) expect((await l.receive(within())).payload).toBe(String(i))
    await expect(l.receive(nothing())).rejects.toMatchObject({ name: 'TimeoutError' })
    await db.close()
  })
})

describe('the notifications table', () => {
  it('notify writes a row in the transaction, with this process pid; a rollback removes it, and the table if it made it', async () => {
    const db = open(newFile())
    const rolledBack = db.transaction(async (tx) => {
      await notify(tx, 'table', 'first ever, rolled back')
      throw new Error('roll back')
    })
    await expect(rolledBack).rejects.toThrow('roll back')
    expect(await db.query(sql`select name from sqlite_master where name like '_liteorm%'`)).toEqual([])
    await notify(db, 'table', 'creates the table again')
    await db.exec(sql`delete from _liteorm_notifications`)
    await db
      .transaction(async (tx) => {
        await notify(tx, 'table', 'row')
        const rows = await tx.query(sql`select channel, payload, pid from _liteorm_notifications`)
        expect(rows).toEqual([{ channel: 'table', payload: 'row', pid: process.pid }])
        throw new Error('roll back')
      })
      .catch(() => undefined)
    expect(await db.query(sql`select * from _liteorm_notifications`)).toEqual([])
    await db.close()
  })

  it('notify in a read-only transaction rejects with SQLITE_READONLY', async () => {
    const db = open(newFile())
    await notify(db, 'ro', 'creates the table')
    await expect(db.transaction((tx) => notify(tx, 'ro', 'x'), { readOnly: true })).rejects.toMatchObject({ driverCode: 'SQLITE_READONLY' })
    await db.close()
  })

  it('notify prunes rows older than notificationRetentionMs, recording how far it pruned', async () => {
    const db = open({ filename: newFile(), notificationRetentionMs: 20 })
    for (let i = 0; i < 5; i++) await notify(db, 'prune', `old ${i}`)
    await sleep(60)
    await notify(db, 'prune', 'new')
    expect(await db.query(sql`select payload from _liteorm_notifications`)).toEqual([{ payload: 'new' }])
    expect(await db.queryOne(sql`select through from _liteorm_notifications_pruned`)).toEqual({ through: 5 })
    await db.close()
  })

  it('a listener that fell behind rows the notifier pruned reports it: disconnected, onReset({ reconnected: true }), reconnected; then goes on', async () => {
    const file = newFile()
    const db = open({ filename: file, notificationRetentionMs: 1 })
    const events: ListenerEvent['type'][] = []
    const resets: ResetInfo[] = []
    const l = await listen(db, 'behind', {
      maxBuffered: 2,
      onEvent: (e) => void events.push(e.type),
      onReset: (info) => void resets.push(info),
    })
    for (let i = 0; i < 5; i++) await notify(db, 'behind', `early ${i}`) // the listener reads two, then waits for the consumer
    await sleep(30)
    await notify(db, 'behind', 'late') // prunes the three the listener has not read
    const received: string[] = []
    for (;;) {
      const n = await l.receive(within())
      received.push(n.payload)
      if (n.payload === 'late') break
    }
    expect(received).toEqual(['early 0', 'early 1', 'late'])
    expect(events).toEqual(['connected', 'disconnected', 'reconnected'])
    expect(resets).toEqual([
      { reconnected: false, channels: ['behind'] },
      { reconnected: true, channels: ['behind'] },
    ])
    await db.close()
  })

  it('a listener on a read-only DB whose file has no notifications table yet hears notifications written later', async () => {
    const file = newFile()
    const writer = open(file)
    const reader = open({ filename: file, readonly: true })
    const l = await listen(reader, 'ro_listener')
    await notify(writer, 'ro_listener', 'written after the listener started')
    expect((await l.receive(within())).payload).toBe('written after the listener started')
    await Promise.all([reader.close(), writer.close()])
  })
})

describe('listener options', () => {
  it.each([
    ['pollIntervalMs: 0', { pollIntervalMs: 0 }],
    ['pollIntervalMs: NaN', { pollIntervalMs: Number.NaN }],
    ['maxBuffered: 0', { maxBuffered: 0 }],
    ['maxBuffered: 1.5', { maxBuffered: 1.5 }],
    ['onEvent: a string', { onEvent: 'log' }],
  ])('%s rejects with InvalidArgumentError', async (_, options) => {
    const db = open(':memory:')
    await expect(listen(db, 'x', options as never)).rejects.toMatchObject({ name: 'InvalidArgumentError' })
    await db.close()
  })
})
