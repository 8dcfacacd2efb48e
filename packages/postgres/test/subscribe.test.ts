import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  ClosedError,
  InvalidArgumentError,
  InvalidPayloadError,
  jsonChannel,
  notify,
  open,
  pool,
  sql,
  subscribe,
  subscriptionStatus,
  type LiteormError,
  type Message,
  type PostgresDB,
  type SubscriptionReset,
} from '@liteorm/postgres'
import { expectNoBackends, killBackends } from '../../../test/listener-probe.js'
import { useDatabase } from '@liteorm/testing/vitest'

let url: string
let sender: PostgresDB<unknown>
beforeAll(async () => {
  url = await useDatabase('subscribe')
  sender = open(url)
})
afterAll(() => sender.close())

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

/** Waits until `check()` holds, failing after `ms`. */
async function until(check: () => boolean, ms = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(10)
  }
}

function tagged(app: string): PostgresDB<unknown> {
  return open({ connectionString: url, application_name: app })
}

describe('subscriptions share one connection per DB', () => {
  it('the connection is taken on the first subscription and released with the last; LISTEN/UNLISTEN follow the subscriber count', async () => {
    const app = 'sub-lifecycle'
    const db = tagged(app)
    const checkedOut = (): number => pool(db)!.totalCount - pool(db)!.idleCount
    expect(pool(db)!.totalCount).toBe(0)
    const a1 = await subscribe(db, 'life_a')
    const a2 = await subscribe(db, 'life_a')
    const b = await subscribe(db, 'life_b')
    expect(checkedOut()).toBe(1)
    expect(await subscriptionStatus(db)).toEqual({ subscribers: 3, channels: ['life_a', 'life_b'], serverChannels: ['life_a', 'life_b'] })
    await a1.close()
    expect((await subscriptionStatus(db)).serverChannels).toEqual(['life_a', 'life_b'])
    await a2.close()
    expect((await subscriptionStatus(db)).serverChannels).toEqual(['life_b'])
    await b.close()
    expect(await subscriptionStatus(db)).toEqual({ subscribers: 0, channels: [], serverChannels: [] })
    expect(checkedOut()).toBe(0) // back in the pool, unlistened
    const client = await pool(db)!.connect()
    expect((await client.query('select pg_listening_channels()')).rows).toEqual([])
    client.release()
    const again = await subscribe(db, 'life_c') // a new connection on demand
    await notify(sender, 'life_c', 'again')
    expect((await again.receive(AbortSignal.timeout(5000))).payload).toBe('again')
    await again.close()
    await db.close()
    await expectNoBackends(url, app)
  })

  it('db.close() ends every subscription with ClosedError and releases the connection', async () => {
    const app = 'sub-db-close'
    const db = tagged(app)
    const s = await subscribe(db, 'db_close')
    const pending = expect(s.receive()).rejects.toBeInstanceOf(ClosedError)
    await db.close()
    await pending
    await expectNoBackends(url, app)
    await expect(subscribe(db, 'db_close')).rejects.toBeInstanceOf(ClosedError)
  })

  it('bad arguments are rejected with InvalidArgumentError before any I/O', async () => {
    const app = 'sub-validation'
    const db = tagged(app)
    await expect(subscribe(db, '')).rejects.toBeInstanceOf(InvalidArgumentError)
    await expect(subscribe(db, 'x'.repeat(64))).rejects.toBeInstanceOf(InvalidArgumentError)
    await expect(subscribe(db, 'ok', { maxBuffered: 0 })).rejects.toThrow(/maxBuffered/)
    // @ts-expect-error: not a function
    await expect(subscribe(db, 'ok', { onError: 'log' })).rejects.toThrow(/onError must be a function/)
    await expectNoBackends(url, app)
    await db.close()
  })
})

describe('two ways to consume', () => {
  it('a stream subscription has the Listener contract: receive(signal), abort keeps the queue, async iteration ends on close', async () => {
    const s = await subscribe(sender, 'stream')
    const controller = new AbortController()
    const aborted = s.receive(controller.signal)
    controller.abort(new Error('not now'))
    await expect(aborted).rejects.toThrow('not now')
    for (const p of ['1', '2', '3']) await notify(sender, 'stream', p)
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
    const s = await subscribe(sender, 'sequential', async (m) => {
      log.push(`start ${m.payload}`)
      await released
      log.push(`end ${m.payload}`)
    })
    const witness = await subscribe(sender, 'sequential')
    await sender.exec(sql`select pg_notify('sequential', g::text) from generate_series(0, 19) g`) // all 20 at once
    for (let i = 0; i < 20; i++) await witness.receive(AbortSignal.timeout(5000))
    expect(log).toEqual(['start 0']) // all 20 are delivered, and the handler is still on the first
    release()
    await until(() => log.length === 40)
    expect(log).toEqual(Array.from({ length: 20 }, (_, i) => [`start ${i}`, `end ${i}`]).flat())
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
    const thrower = await subscribe(sender, 'isolation', {
      handler: () => {
        throw new Error('handler bug')
      },
      onError: (e) => errors.push(e),
    })
    const blocker = await subscribe(sender, 'isolation', async (m) => {
      blocked.push(m.payload)
      await released
    })
    const fine = await subscribe(sender, 'isolation', (m) => void normal.push(m.payload))
    const other = await subscribe(sender, 'isolation_other', (m) => void elsewhere.push(m.payload))
    for (let i = 0; i < 5; i++) {
      await notify(sender, 'isolation', String(i))
      await notify(sender, 'isolation_other', String(i))
    }
    await until(() => normal.length === 5 && elsewhere.length === 5 && errors.length === 5, 5000, 'the other subscriptions')
    const five = ['0', '1', '2', '3', '4']
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
    const slow = await subscribe(sender, 'overflow', { maxBuffered: 100, onReset: (r) => void resets.push(r) })
    const errors: LiteormError[] = []
    const slowNoReset = await subscribe(sender, 'overflow', { maxBuffered: 100, onError: (e) => errors.push(e) })
    const fast: string[] = []
    const quick = await subscribe(sender, 'overflow', (m) => void fast.push(m.payload))
    await sender.exec(sql`select pg_notify('overflow', g::text) from generate_series(1, 500) g`)
    await until(() => fast.length === 500)
    expect(fast).toEqual(Array.from({ length: 500 }, (_, i) => String(i + 1)))
    expect(resets[0]).toEqual({ reconnected: false, channels: ['overflow'], dropped: 0 }) // the subscribing reset
    expect(resets.slice(1).every((r) => r.dropped === 100)).toBe(true)
    expect(resets.length - 1).toBe(4)
    // After the last overflow, what is queued is the tail, delivered after the reset.
    const next = await slow.receive(AbortSignal.timeout(1000))
    expect(Number(next.payload)).toBe(401)
    expect(errors.map((e) => e.code)).toEqual(['OVERFLOW', 'OVERFLOW', 'OVERFLOW', 'OVERFLOW'])
    await Promise.all([slow.close(), slowNoReset.close(), quick.close()])
  })
})

describe('resets, in-band and per subscription', () => {
  it('backend killed: every subscription gets its reset, then its later notifications', async () => {
    const app = 'sub-kill'
    const db = tagged(app)
    const logs = new Map<string, string[]>()
    const subs = []
    for (const channel of ['kill_a', 'kill_b', 'kill_b']) {
      const log: string[] = []
      logs.set(`${channel}#${subs.length}`, log)
      subs.push(
        await subscribe(db, channel, {
          onReset: async (r) => {
            await sleep(20) // a reset that takes a while still comes before later messages
            log.push(r.reconnected ? 'reset:reconnected' : 'reset:subscribed')
          },
          handler: (m) => void log.push(m.payload),
        }),
      )
    }
    await notify(sender, 'kill_a', 'before')
    await notify(sender, 'kill_b', 'before')
    await until(() => [...logs.values()].every((l) => l.includes('before')))
    await killBackends(url, app)
    await until(() => [...logs.values()].every((l) => l.includes('reset:reconnected')), 10_000, 'resets after the kill')
    await notify(sender, 'kill_a', 'after')
    await notify(sender, 'kill_b', 'after')
    await until(() => [...logs.values()].every((l) => l.includes('after')))
    for (const log of logs.values()) expect(log).toEqual(['reset:subscribed', 'before', 'reset:reconnected', 'after'])
    await Promise.all(subs.map((s) => s.close()))
    await db.close()
    await expectNoBackends(url, app)
  })
})

describe('typed JSON channels', () => {
  interface Job {
    id: number
  }
  const isJob = (v: unknown): v is Job => typeof v === 'object' && v !== null && typeof (v as Job).id === 'number'

  it('notify serialises, subscribers receive parsed values', async () => {
    const jobs = jsonChannel<Job>('typed_jobs', isJob)
    const s = await subscribe(sender, jobs)
    await notify(sender, jobs, { id: 7 })
    const m: Message<Job> = await s.receive(AbortSignal.timeout(5000))
    expect(m.value).toEqual({ id: 7 })
    expect(m.payload).toBe('{"id":7}')
    expect(m.channel).toBe('typed_jobs')
    await s.close()
  })

  it('bad payloads go to onError with the raw text, and delivery goes on', async () => {
    const jobs = jsonChannel<Job>('typed_bad', isJob)
    const errors: LiteormError[] = []
    const s = await subscribe(sender, jobs, { onError: (e) => errors.push(e) })
    await notify(sender, 'typed_bad', 'not json')
    await notify(sender, 'typed_bad', '{"name":"no id"}')
    await notify(sender, jobs, { id: 1 })
    expect((await s.receive(AbortSignal.timeout(5000))).value).toEqual({ id: 1 })
    expect(errors).toHaveLength(2)
    expect(errors[0]).toBeInstanceOf(InvalidPayloadError)
    expect(errors[0]).toMatchObject({ channel: 'typed_bad', payload: 'not json', code: 'INVALID_PAYLOAD' })
    expect(errors[1]).toMatchObject({ payload: '{"name":"no id"}' })
    await s.close()
  })

  it('notify rejects a value the channel check refuses, before any I/O', async () => {
    const jobs = jsonChannel<Job>('typed_send', isJob)
    await expect(notify(sender, jobs, { id: 'one' } as unknown as Job)).rejects.toBeInstanceOf(InvalidArgumentError)
    const huge = jsonChannel<string>('typed_huge')
    await expect(notify(sender, huge, 'x'.repeat(8000))).rejects.toThrow(/bytes/)
  })
})

describe("jackc/pgxlisten's scenarios", () => {
  it('dispatches each channel to its own handler', async () => {
    const got: string[] = []
    const a = await subscribe(sender, 'dispatch_a', (m) => void got.push(`a:${m.payload}`))
    const b = await subscribe(sender, 'dispatch_b', (m) => void got.push(`b:${m.payload}`))
    await notify(sender, 'dispatch_a', '1')
    await notify(sender, 'dispatch_b', '2')
    await until(() => got.length === 2)
    expect(got).toEqual(['a:1', 'b:2'])
    await Promise.all([a.close(), b.close()])
  })

  it('the backlog handler runs after LISTEN and before live notifications', async () => {
    await sender.exec(sql`create table backlog (id int primary key)`)
    await sender.exec(sql`insert into backlog values (1), (2)`)
    const got: string[] = []
    const s = await subscribe(sender, 'backlog', {
      onReset: async () => {
        // LISTEN is already in place: a row inserted and notified now is not lost.
        await notify(sender, 'backlog', '3')
        await sender.exec(sql`insert into backlog values (3)`)
        const rows = await sender.query(sql<{ id: number }>`select id from backlog where id < 3 order by id`)
        for (const r of rows) got.push(`backlog:${r.id}`)
      },
      handler: (m) => void got.push(`live:${m.payload}`),
    })
    await notify(sender, 'backlog', '4')
    await until(() => got.length === 4)
    expect(got).toEqual(['backlog:1', 'backlog:2', 'live:3', 'live:4'])
    await s.close()
  })
})

describe("rnovatorov/pgxlisten's scenarios", () => {
  it('reset on creation', async () => {
    const resets: SubscriptionReset[] = []
    const s = await subscribe(sender, 'rn_reset', { onReset: (r) => void resets.push(r) })
    await until(() => resets.length === 1)
    expect(resets).toEqual([{ reconnected: false, channels: ['rn_reset'], dropped: 0 }])
    await s.close()
  })

  it('no reset on plain notifications', async () => {
    let resets = 0
    const s = await subscribe(sender, 'rn_plain', { onReset: () => void resets++ })
    for (let i = 0; i < 10; i++) await notify(sender, 'rn_plain', String(i))
    for (let i = 0; i < 10; i++) await s.receive(AbortSignal.timeout(5000))
    expect(resets).toBe(1)
    await s.close()
  })

  it('payloads arrive exactly as sent', async () => {
    const payloads = ['', 'plain', '{"json":true}', 'üñîçødé ✓', 'line\nbreak', "quote'and\"double", 'x'.repeat(7999)]
    const s = await subscribe(sender, 'rn_payloads')
    for (const p of payloads) await notify(sender, 'rn_payloads', p)
    for (const p of payloads) expect((await s.receive(AbortSignal.timeout(5000))).payload).toBe(p)
    await s.close()
  })

  it('two channels, each with its own stream', async () => {
    const one = await subscribe(sender, 'rn_one')
    const two = await subscribe(sender, 'rn_two')
    await notify(sender, 'rn_two', 'for two')
    await notify(sender, 'rn_one', 'for one')
    expect((await one.receive(AbortSignal.timeout(5000))).payload).toBe('for one')
    expect((await two.receive(AbortSignal.timeout(5000))).payload).toBe('for two')
    await Promise.all([one.close(), two.close()])
  })

  it('one fan-out subscriber gets every notification', async () => {
    const s = await subscribe(sender, 'rn_fan1')
    for (let i = 0; i < 5; i++) await notify(sender, 'rn_fan1', String(i))
    for (let i = 0; i < 5; i++) expect((await s.receive(AbortSignal.timeout(5000))).payload).toBe(String(i))
    await s.close()
  })

  it('two fan-out subscribers each get every notification, and closing one leaves the other', async () => {
    const first = await subscribe(sender, 'rn_fan2')
    const second = await subscribe(sender, 'rn_fan2')
    for (let i = 0; i < 5; i++) await notify(sender, 'rn_fan2', String(i))
    for (const s of [first, second]) for (let i = 0; i < 5; i++) expect((await s.receive(AbortSignal.timeout(5000))).payload).toBe(String(i))
    await first.close()
    await notify(sender, 'rn_fan2', 'only second')
    expect((await second.receive(AbortSignal.timeout(5000))).payload).toBe('only second')
    await second.close()
  })
})
