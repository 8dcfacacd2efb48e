import { beforeAll, describe, expect, it } from 'vitest'
import {
  ClosedError,
  InvalidArgumentError,
  InvalidPayloadError,
  jsonChannel,
  sql,
  type DB,
  type LiteormError,
  type Message,
  type Subscription,
  type SubscriptionReset,
} from '@liteorm/core'
import type { Backend } from './backends.js'
import { until } from '../listener-probe.js'

const next = <T>(s: Subscription<T>): Promise<Message<T>> => s.receive(AbortSignal.timeout(5000))

/**
 * The subscribe contract: `subscribe`, `jsonChannel` and
 * `subscriptionStatus`, the same tests on every backend (what differs is
 * where the shared listener lives; see ./backends.ts). Call inside a
 * `describe` whose `beforeAll` has run `backend.prepare()`.
 */
export function subscribeContract(backend: Backend): void {
  let sender: DB

  beforeAll(() => {
    sender = backend.open()
    return () => sender.close()
  })

  /** Sends every payload on `channel` in one transaction: they arrive at once, at its commit. */
  const burst = (channel: string, payloads: readonly string[]): Promise<void> =>
    sender.transaction(async (tx) => {
      for (const p of payloads) await backend.notify(tx, channel, p)
    })
  const numbers = (from: number, count: number): string[] => Array.from({ length: count }, (_, i) => String(from + i))

  describe('subscribe: one shared listener per DB', () => {
    it('LISTEN follows the subscriber count: a channel is listened to while it has a subscriber, and subscriptionStatus says so', async () => {
      const db = backend.open()
      const a1 = await backend.subscribe(db, 'life_a')
      const a2 = await backend.subscribe(db, 'life_a')
      const b = await backend.subscribe(db, 'life_b')
      expect(await backend.subscriptionStatus(db)).toEqual({ subscribers: 3, channels: ['life_a', 'life_b'], serverChannels: ['life_a', 'life_b'] })
      await a1.close()
      expect((await backend.subscriptionStatus(db)).serverChannels).toEqual(['life_a', 'life_b'])
      await a2.close()
      expect((await backend.subscriptionStatus(db)).serverChannels).toEqual(['life_b'])
      await b.close()
      expect(await backend.subscriptionStatus(db)).toEqual({ subscribers: 0, channels: [], serverChannels: [] })
      const again = await backend.subscribe(db, 'life_c') // a new listener on demand
      await backend.notify(sender, 'life_c', 'again')
      expect((await next(again)).payload).toBe('again')
      await again.close()
      await db.close()
    })

    it('db.close() ends every subscription with ClosedError; started turns false; later calls reject with ClosedError', async () => {
      const db = backend.open()
      const s = await backend.subscribe(db, 'db_close')
      expect(s.started).toBe(true)
      const pending = expect(s.receive()).rejects.toBeInstanceOf(ClosedError)
      await db.close()
      await pending
      expect(s.started).toBe(false)
      expect(s.channels).toEqual([])
      await expect(backend.subscribe(db, 'db_close')).rejects.toBeInstanceOf(ClosedError)
      await expect(backend.subscriptionStatus(db)).rejects.toBeInstanceOf(ClosedError)
    })

    it('subscribe() followed by db.close() in the same tick rejects with ClosedError', async () => {
      const db = backend.open()
      const subscribing = backend.subscribe(db, 'same_tick')
      await db.close()
      await expect(subscribing).rejects.toBeInstanceOf(ClosedError)
    })

    it('bad arguments are rejected with InvalidArgumentError before any I/O', async () => {
      const db = backend.open()
      await expect(backend.subscribe(db, '')).rejects.toBeInstanceOf(InvalidArgumentError)
      await expect(backend.subscribe(db, 'x'.repeat(64))).rejects.toBeInstanceOf(InvalidArgumentError)
      await expect(backend.subscribe(db, 'ok', { maxBuffered: 0 })).rejects.toThrow(/maxBuffered/)
      // @ts-expect-error: not a function
      await expect(backend.subscribe(db, 'ok', { onError: 'log' })).rejects.toThrow(/onError must be a function/)
      expect((await backend.subscriptionStatus(db)).subscribers).toBe(0)
      await db.close()
    })
  })

  describe('subscribe: two ways to consume', () => {
    it('a stream subscription has the Listener contract: receive(signal), abort keeps the queue, async iteration ends on close', async () => {
      const s = await backend.subscribe(sender, 'stream')
      const controller = new AbortController()
      const aborted = s.receive(controller.signal)
      controller.abort(new Error('not now'))
      await expect(aborted).rejects.toThrow('not now')
      for (const p of ['1', '2', '3']) await backend.notify(sender, 'stream', p)
      const seen: string[] = []
      for await (const m of s) {
        seen.push(m.value)
        if (seen.length === 3) void s.close()
      }
      expect(seen).toEqual(['1', '2', '3'])
      expect(s.channels).toEqual([])
    })

    it('a handler runs one message at a time, in order', async () => {
      const log: string[] = []
      let release!: () => void
      const released = new Promise<void>((r) => (release = r))
      const s = await backend.subscribe(sender, 'sequential', async (m) => {
        log.push(`start ${m.payload}`)
        await released
        log.push(`end ${m.payload}`)
      })
      const witness = await backend.subscribe(sender, 'sequential')
      await burst('sequential', numbers(0, 20))
      for (let i = 0; i < 20; i++) await next(witness)
      expect(log).toEqual(['start 0']) // all 20 are delivered, and the handler is still on the first
      release()
      await until(() => log.length === 40)
      expect(log).toEqual(numbers(0, 20).flatMap((i) => [`start ${i}`, `end ${i}`]))
      await expect(s.receive()).rejects.toBeInstanceOf(InvalidArgumentError)
      await Promise.all([s.close(), witness.close()])
    })

    it('a handler that throws and one that blocks affect no other subscription', async () => {
      const errors: LiteormError[] = []
      const normal: string[] = []
      const elsewhere: string[] = []
      const blocked: string[] = []
      let release!: () => void
      const released = new Promise<void>((r) => (release = r))
      const thrower = await backend.subscribe(sender, 'isolation', {
        handler: () => {
          throw new Error('handler bug')
        },
        onError: (e) => errors.push(e),
      })
      const blocker = await backend.subscribe(sender, 'isolation', async (m) => {
        blocked.push(m.payload)
        await released
      })
      const fine = await backend.subscribe(sender, 'isolation', (m) => void normal.push(m.payload))
      const other = await backend.subscribe(sender, 'isolation_other', (m) => void elsewhere.push(m.payload))
      for (let i = 0; i < 5; i++) {
        await backend.notify(sender, 'isolation', String(i))
        await backend.notify(sender, 'isolation_other', String(i))
      }
      await until(() => normal.length === 5 && elsewhere.length === 5 && errors.length === 5, 5000, 'the other subscriptions')
      const five = numbers(0, 5)
      expect({ normal, elsewhere, blocked }).toEqual({ normal: five, elsewhere: five, blocked: ['0'] }) // all while the blocker is still on its first
      expect(errors[0]!.message).toMatch(/handler bug/)
      expect(errors[0]!.code).toBe('CALLBACK_FAILED')
      expect(errors[0]!.cause).toBeInstanceOf(Error)
      release()
      await until(() => blocked.length === 5)
      expect(blocked).toEqual(five)
      await Promise.all([thrower.close(), blocker.close(), fine.close(), other.close()])
    })

    it('a slow stream subscriber overflows alone: its reset reports what it dropped, the others get everything', async () => {
      const resets: SubscriptionReset[] = []
      const slow = await backend.subscribe(sender, 'overflow', { maxBuffered: 100, onReset: (r) => void resets.push(r) })
      const errors: LiteormError[] = []
      const slowNoReset = await backend.subscribe(sender, 'overflow', { maxBuffered: 100, onError: (e) => errors.push(e) })
      const fast: string[] = []
      const quick = await backend.subscribe(sender, 'overflow', (m) => void fast.push(m.payload))
      await burst('overflow', numbers(1, 500))
      await until(() => fast.length === 500)
      expect(fast).toEqual(numbers(1, 500))
      expect(resets[0]).toEqual({ reconnected: false, channels: ['overflow'], dropped: 0 }) // the subscribing reset
      expect(resets.slice(1).map((r) => r.dropped)).toEqual([100, 100, 100, 100])
      // After the last overflow, what is queued is the tail, delivered after the reset.
      expect(Number((await slow.receive(AbortSignal.timeout(1000))).payload)).toBe(401)
      expect(errors.map((e) => e.code)).toEqual(['OVERFLOW', 'OVERFLOW', 'OVERFLOW', 'OVERFLOW'])
      await Promise.all([slow.close(), slowNoReset.close(), quick.close()])
    })
  })

  describe('subscribe: typed JSON channels', () => {
    interface Job {
      id: number
    }
    const isJob = (v: unknown): v is Job => typeof v === 'object' && v !== null && typeof (v as Job).id === 'number'

    it('notify serialises, subscribers receive parsed values', async () => {
      const jobs = jsonChannel<Job>('typed_jobs', isJob)
      const s = await backend.subscribe(sender, jobs)
      await backend.notifyValue(sender, jobs, { id: 7 })
      const m: Message<Job> = await next(s)
      expect(m.value).toEqual({ id: 7 })
      expect(m.payload).toBe('{"id":7}')
      expect(m.channel).toBe('typed_jobs')
      await s.close()
    })

    it('bad payloads go to onError with the raw text, and delivery goes on', async () => {
      const jobs = jsonChannel<Job>('typed_bad', isJob)
      const errors: LiteormError[] = []
      const s = await backend.subscribe(sender, jobs, { onError: (e) => errors.push(e) })
      await backend.notify(sender, 'typed_bad', 'not json')
      await backend.notify(sender, 'typed_bad', '{"name":"no id"}')
      await backend.notifyValue(sender, jobs, { id: 1 })
      expect((await next(s)).value).toEqual({ id: 1 })
      expect(errors).toHaveLength(2)
      expect(errors[0]).toBeInstanceOf(InvalidPayloadError)
      expect(errors[0]).toMatchObject({ channel: 'typed_bad', payload: 'not json', code: 'INVALID_PAYLOAD' })
      expect(errors[1]).toMatchObject({ payload: '{"name":"no id"}' })
      await s.close()
    })

    it('notify rejects a value the channel check refuses, and one whose JSON is 8000 bytes or more, before any I/O', async () => {
      const jobs = jsonChannel<Job>('typed_send', isJob)
      await expect(backend.notifyValue(sender, jobs, { id: 'one' } as unknown as Job)).rejects.toBeInstanceOf(InvalidArgumentError)
      const huge = jsonChannel<string>('typed_huge')
      await expect(backend.notifyValue(sender, huge, 'x'.repeat(8000))).rejects.toThrow(/bytes/)
    })
  })

  describe("subscribe: jackc/pgxlisten's scenarios", () => {
    it('dispatches each channel to its own handler', async () => {
      const got: string[] = []
      const a = await backend.subscribe(sender, 'dispatch_a', (m) => void got.push(`a:${m.payload}`))
      const b = await backend.subscribe(sender, 'dispatch_b', (m) => void got.push(`b:${m.payload}`))
      await backend.notify(sender, 'dispatch_a', '1')
      await backend.notify(sender, 'dispatch_b', '2')
      await until(() => got.length === 2)
      expect(got).toEqual(['a:1', 'b:2'])
      await Promise.all([a.close(), b.close()])
    })

    it('the backlog handler runs after LISTEN and before live notifications', async () => {
      await sender.exec(sql`create table backlog (id int primary key)`)
      await sender.exec(sql`insert into backlog values (1), (2)`)
      const got: string[] = []
      const s = await backend.subscribe(sender, 'backlog', {
        onReset: async () => {
          // LISTEN is already in place: a row inserted and notified now is not lost.
          await backend.notify(sender, 'backlog', '3')
          await sender.exec(sql`insert into backlog values (3)`)
          const rows = await sender.query(sql<{ id: number }>`select id from backlog where id < 3 order by id`)
          for (const r of rows) got.push(`backlog:${r.id}`)
        },
        handler: (m) => void got.push(`live:${m.payload}`),
      })
      await backend.notify(sender, 'backlog', '4')
      await until(() => got.length === 4)
      expect(got).toEqual(['backlog:1', 'backlog:2', 'live:3', 'live:4'])
      await s.close()
    })
  })

  describe("subscribe: rnovatorov/pgxlisten's scenarios", () => {
    it('reset on creation', async () => {
      const resets: SubscriptionReset[] = []
      const s = await backend.subscribe(sender, 'rn_reset', { onReset: (r) => void resets.push(r) })
      await until(() => resets.length === 1)
      expect(resets).toEqual([{ reconnected: false, channels: ['rn_reset'], dropped: 0 }])
      await s.close()
    })

    it('no reset on plain notifications', async () => {
      let resets = 0
      const s = await backend.subscribe(sender, 'rn_plain', { onReset: () => void resets++ })
      for (let i = 0; i < 10; i++) await backend.notify(sender, 'rn_plain', String(i))
      for (let i = 0; i < 10; i++) await next(s)
      expect(resets).toBe(1)
      await s.close()
    })

    it('payloads arrive exactly as sent', async () => {
      const payloads = ['', 'plain', '{"json":true}', 'üñîçødé ✓', 'line\nbreak', "quote'and\"double", 'x'.repeat(7999)]
      const s = await backend.subscribe(sender, 'rn_payloads')
      for (const p of payloads) await backend.notify(sender, 'rn_payloads', p)
      for (const p of payloads) expect((await next(s)).payload).toBe(p)
      await s.close()
    })

    it('two channels, each with its own stream', async () => {
      const one = await backend.subscribe(sender, 'rn_one')
      const two = await backend.subscribe(sender, 'rn_two')
      await backend.notify(sender, 'rn_two', 'for two')
      await backend.notify(sender, 'rn_one', 'for one')
      expect((await next(one)).payload).toBe('for one')
      expect((await next(two)).payload).toBe('for two')
      await Promise.all([one.close(), two.close()])
    })

    it('two fan-out subscribers each get every notification, and closing one leaves the other', async () => {
      const first = await backend.subscribe(sender, 'rn_fan2')
      const second = await backend.subscribe(sender, 'rn_fan2')
      for (let i = 0; i < 5; i++) await backend.notify(sender, 'rn_fan2', String(i))
      for (const s of [first, second]) for (let i = 0; i < 5; i++) expect((await next(s)).payload).toBe(String(i))
      await first.close()
      await backend.notify(sender, 'rn_fan2', 'only second')
      expect((await next(second)).payload).toBe('only second')
      await second.close()
    })
  })
}
