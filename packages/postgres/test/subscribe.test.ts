import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ClosedError, InvalidArgumentError, notify, open, pool, subscribe, subscriptionStatus, type PostgresDB } from '@liteorm/postgres'
import { expectNoBackends, killBackends, until } from '../../../test/listener-probe.js'
import { useDatabase } from '@liteorm/testing/vitest'

let url: string
let sender: PostgresDB<unknown>
beforeAll(async () => {
  url = await useDatabase('subscribe')
  sender = open(url)
})
afterAll(() => sender.close())

// What subscriptions do on every backend is pinned by the contract suite
// (test/contract/subscribe-contract.ts); here, what is PostgreSQL's own: the
// pool connection the hub takes, and resets after a backend is killed.

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

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

  it('bad arguments are rejected before any I/O: no connection is opened', async () => {
    const app = 'sub-validation'
    const db = tagged(app)
    await expect(subscribe(db, '')).rejects.toBeInstanceOf(InvalidArgumentError)
    await expect(subscribe(db, 'ok', { maxBuffered: 0 })).rejects.toThrow(/maxBuffered/)
    await expectNoBackends(url, app)
    await db.close()
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

describe('subscription handlers and dispatch', () => {
  it('a handler that returns a thenable (not a Promise) is waited for before its next message, like an async one', async () => {
    const started: string[] = []
    const resumes: (() => void)[] = []
    const db = tagged('sub-thenable')
    await subscribe(db, 'thenable', (m) => {
      started.push(m.payload)
      return { then: (resume: () => void) => void resumes.push(resume) } as unknown as Promise<void>
    })
    const witness = await subscribe(db, 'thenable')
    await pool(sender)!.query("select count(pg_notify('thenable', g::text)) from generate_series(1, 3) g")
    for (let i = 0; i < 3; i++) await witness.receive(AbortSignal.timeout(5000)) // all three have arrived
    await until(() => resumes.length === 1, 5000, 'the first handler call')
    expect(started).toEqual(['1']) // still waiting on the first handler's thenable
    resumes[0]!()
    await until(() => resumes.length === 2, 5000, 'the second handler call')
    resumes[1]!()
    await until(() => resumes.length === 3, 5000, 'the third handler call')
    expect(started).toEqual(['1', '2', '3'])
    await db.close()
  })

  it('a channel whose last subscriber left is dispatched to the subscriber that comes next, on the same connection', async () => {
    const db = tagged('sub-route')
    const keep = await subscribe(db, 'route_keep') // holds the shared connection open throughout
    const first = await subscribe(db, 'route_again')
    await notify(sender, 'route_again', 'one')
    expect((await first.receive(AbortSignal.timeout(5000))).payload).toBe('one')
    await first.close()
    const second = await subscribe(db, 'route_again')
    await notify(sender, 'route_again', 'two')
    expect((await second.receive(AbortSignal.timeout(5000))).payload).toBe('two')
    await keep.close()
    await db.close()
  })
})
