import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  InvalidArgumentError,
  installLargePayloads,
  LiteormError,
  listen,
  MissedNotificationsError,
  notify,
  open,
  sql,
  status,
  subscribe,
  type PostgresDB,
} from '@liteorm/postgres'
import { useDatabase } from '@liteorm/testing/vitest'
import { EventLog } from '../../../test/listener-probe.js'

let url: string
let db: PostgresDB<unknown>
beforeAll(async () => {
  url = await useDatabase('large_payloads')
  db = open({ url, largePayloads: 'table' })
  await installLargePayloads(db)
  await installLargePayloads(db) // idempotent
})
afterAll(() => db.close())

/** A payload of exactly `bytes` bytes of UTF-8, starting with `tag`, with multi-byte characters in it. */
function payloadOf(bytes: number, tag: string): string {
  const head = `${tag}:é✓:`
  return head + 'x'.repeat(bytes - Buffer.byteLength(head))
}

async function storedRows(): Promise<number> {
  const { n } = await db.queryOne(sql<{ n: string }>`select count(*) as n from liteorm.large_payloads`)
  return Number(n)
}

/** Waits until `check()` resolves true, polling; fails after `ms`. */
async function until(check: () => Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  for (const deadline = Date.now() + ms; !(await check()); ) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

describe("open({ largePayloads: 'table' })", () => {
  it('payloads of 1 MB and 10 MB, mixed with small ones, arrive whole, in order, with the sender pid', async () => {
    const l = await listen(db, 'big')
    const sent = ['small 1', payloadOf(1 << 20, '1MB'), 'small 2', payloadOf(10 << 20, '10MB'), 'small 3', payloadOf(8000, '8000'), 'small 4']
    const pid = await db.transaction(async (tx) => {
      for (const p of sent.slice(0, 3)) await notify(tx, 'big', p)
      return (await tx.queryOne(sql<{ pid: number }>`select pg_backend_pid() as pid`)).pid
    })
    for (const p of sent.slice(3)) await notify(db, 'big', p) // on the DB: one statement each
    const got = []
    for (const _ of sent) got.push(await l.receive(AbortSignal.timeout(20_000)))
    expect(got.map((n) => n.payload.length)).toEqual(sent.map((p) => p.length))
    expect(got.map((n) => n.payload)).toEqual(sent) // compared whole
    expect(got.every((n) => n.channel === 'big')).toBe(true)
    expect(got.slice(0, 3).map((n) => n.pid)).toEqual([pid, pid, pid])
    expect(Object.isFrozen(got[1])).toBe(true)
    await l.close()
  })

  it('a payload of 7999 bytes goes inline; from 8000 bytes on it is stored', async () => {
    const l = await listen(db, 'edge')
    const before = await storedRows()
    await notify(db, 'edge', payloadOf(7999, 'inline'))
    expect(await storedRows()).toBe(before)
    await notify(db, 'edge', payloadOf(8000, 'stored'))
    expect(await storedRows()).toBe(before + 1)
    expect((await l.receive(AbortSignal.timeout(5000))).payload).toBe(payloadOf(7999, 'inline'))
    expect((await l.receive(AbortSignal.timeout(5000))).payload).toBe(payloadOf(8000, 'stored'))
    await l.close()
  })

  it('a rolled-back transaction delivers nothing and leaves no row', async () => {
    const l = await listen(db, 'undone')
    const before = await storedRows()
    await expect(
      db.transaction(async (tx) => {
        await notify(tx, 'undone', payloadOf(1 << 20, 'rolled back'))
        throw new Error('undo')
      }),
    ).rejects.toThrow('undo')
    expect(await storedRows()).toBe(before)
    await notify(db, 'undone', 'after')
    expect((await l.receive(AbortSignal.timeout(5000))).payload).toBe('after')
    await l.close()
  })

  it('subscriptions read stored payloads too', async () => {
    const s = await subscribe(db, 'sub_big')
    const big = payloadOf(2 << 20, 'sub')
    await notify(db, 'sub_big', big)
    await notify(db, 'sub_big', 'small')
    expect((await s.receive(AbortSignal.timeout(10_000))).payload).toBe(big)
    expect((await s.receive(AbortSignal.timeout(10_000))).payload).toBe('small')
    await s.close()
  })

  it('a payload beginning with the reserved U+0001 "liteorm:large-payload:" is refused before any I/O', async () => {
    const plain = open(url)
    for (const session of [db, plain]) {
      await expect(notify(session, 'x', '\u0001liteorm:large-payload:1')).rejects.toBeInstanceOf(InvalidArgumentError)
    }
    await notify(plain, 'x', '\u0001liteorm:other') // only the whole prefix is reserved
    await plain.close()
  })

  it("a payload that only looks like a key (sent by another client) is delivered as it is; a key naming another channel's row is never read", async () => {
    const events = new EventLog()
    const l = await listen(db, 'forged', { onEvent: events.record })
    await notify(db, 'elsewhere', payloadOf(9000, 'secret'))
    const { id } = await db.queryOne(sql<{ id: string }>`select max(id) as id from liteorm.large_payloads where channel = 'elsewhere'`)
    await db.query(sql`select pg_notify('forged', chr(1) || 'liteorm:large-payload:not-a-key')`)
    await db.query(sql`select pg_notify('forged', chr(1) || 'liteorm:large-payload:' || ${id}::text)`)
    await notify(db, 'forged', 'after')
    expect((await l.receive(AbortSignal.timeout(5000))).payload).toBe('\u0001liteorm:large-payload:not-a-key')
    const missed = await events.next('disconnected')
    expect(missed.error).toMatchObject({ code: 'PRUNED' })
    await events.next('reconnected')
    await notify(db, 'forged', 'later')
    const next = await l.receive(AbortSignal.timeout(5000))
    expect(next.payload).not.toContain('secret')
    await l.close()
  })

  it('a row past its retention is deleted by the expiry function and, now and then, by notify; a listener that comes to it later reports it missed (PRUNED) and goes on', async () => {
    const shortLived = open({ url, largePayloads: 'table', largePayloadRetentionMs: 1 })
    const events = new EventLog()
    const resets: boolean[] = []
    const l = await listen(db, 'late', { maxBuffered: 1, onEvent: events.record, onReset: ({ reconnected }) => void resets.push(reconnected) })
    await notify(db, 'late', 'first') // fills the listener's queue: it stops reading
    await until(async () => (await status(db)).listeners.some((s) => s.channels.includes('late') && s.paused), 'the listener to pause')
    const big = payloadOf(100_000, 'expired')
    await notify(shortLived, 'late', big) // its notify also starts an expiry run (the DB's first)
    await until(async () => {
      await db.query(sql`select liteorm.expire_large_payloads()`)
      const { n } = await db.queryOne(sql<{ n: string }>`select count(*) as n from liteorm.large_payloads where channel = 'late'`)
      return n === '0'
    }, 'the expired row to be deleted')
    await notify(db, 'late', 'after')
    expect((await l.receive(AbortSignal.timeout(5000))).payload).toBe('first') // reading resumes
    const lost = await events.next('disconnected')
    expect(lost.error).toBeInstanceOf(MissedNotificationsError)
    expect(lost.error).toMatchObject({ code: 'PRUNED', dropped: 1 })
    expect(lost.error?.message).toMatch(/retention/)
    await events.next('reconnected')
    expect(resets).toEqual([false, true])
    await notify(db, 'late', 'later')
    expect((await l.receive(AbortSignal.timeout(5000))).payload).toBe('later') // never the key as a payload
    await l.close()
    await shortLived.close()
  })

  it('notify deletes rows past their retention now and then, without a call of its own', async () => {
    const writer = open({ url, largePayloads: 'table', largePayloadRetentionMs: 1 })
    await notify(writer, 'expiring', payloadOf(9000, 'old'))
    await writer.close()
    const next = open({ url, largePayloads: 'table', largePayloadRetentionMs: 1 })
    await notify(next, 'other', payloadOf(9000, 'new')) // a DB's first stored payload starts an expiry run
    await until(async () => {
      const { n } = await db.queryOne(sql<{ n: string }>`select count(*) as n from liteorm.large_payloads where channel = 'expiring'`)
      return n === '0'
    }, 'the expired row to be deleted by notify')
    await next.close()
  })

  it('a listener on a DB opened without the option gets a clear error for a stored payload, never its key, and goes on', async () => {
    const plain = open(url)
    const events = new EventLog()
    const l = await listen(plain, 'mixed', { onEvent: events.record })
    await notify(db, 'mixed', payloadOf(1 << 20, 'unreadable'))
    const lost = await events.next('disconnected')
    expect(lost.error).toBeInstanceOf(MissedNotificationsError)
    expect(lost.error).toMatchObject({ code: 'UNREADABLE', dropped: 1 })
    expect(lost.error?.message).toMatch(/opened without it.*largePayloads: 'table'/)
    await events.next('reconnected')
    await notify(db, 'mixed', 'small')
    expect((await l.receive(AbortSignal.timeout(5000))).payload).toBe('small')
    await l.close()
    await plain.close()
  })

  it('without the option a payload of 8000 bytes is refused, naming the option', async () => {
    const plain = open(url)
    await expect(notify(plain, 'x', payloadOf(8000, 'too big'))).rejects.toThrow(/largePayloads: 'table'/)
    await expect(notify(plain, 'x', payloadOf(8000, 'too big'))).rejects.toBeInstanceOf(InvalidArgumentError)
    await plain.close()
  })

  it('a DB whose migration has not run rejects a large notify with an error that says to run it; small ones still go', async () => {
    const bare = open({ url: await useDatabase('large_payloads_bare'), largePayloads: 'table' })
    const error = await notify(bare, 'x', payloadOf(8000, 'no table')).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(LiteormError)
    expect((error as LiteormError).message).toMatch(/installLargePayloads\(db\)/)
    expect((error as LiteormError).driverCode).toBe('42P01')
    await expect(bare.transaction((tx) => notify(tx, 'x', payloadOf(8000, 'no table')))).rejects.toThrow(/installLargePayloads/)
    await notify(bare, 'x', 'small')
    await bare.close()
  })

  it('open() checks the options', () => {
    expect(() => open({ url, largePayloads: 'disk' as 'table' })).toThrow(InvalidArgumentError)
    expect(() => open({ url, largePayloads: 'table', largePayloadRetentionMs: 0 })).toThrow(/largePayloadRetentionMs/)
    expect(() => open({ url, largePayloadRetentionMs: 1000 })).toThrow(/largePayloads: 'table'/)
  })
})
