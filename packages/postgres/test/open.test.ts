import { inspect } from 'node:util'
import { Kysely, PostgresDialect, sql as kyselySql } from 'kysely'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { admin } from '@liteorm/testing'
import { expectNoBackends } from '../../../test/listener-probe.js'
import { useDatabase } from '@liteorm/testing/vitest'
import { InvalidArgumentError, listen, notify, open, pool, sql, subscribe, type Notification } from '@liteorm/postgres'

let url: string
beforeAll(async () => {
  url = await useDatabase('open')
})

/** What open() threw, or a failure if it did not throw. */
function openError(dsn: unknown): Error {
  try {
    open(dsn as string)
  } catch (error) {
    return error as Error
  }
  throw new Error('open() accepted the DSN')
}

describe('open() validates the DSN, never echoing its password', () => {
  const password = 'Hunter2-s3cret'
  const malformed: [string, string, RegExp][] = [
    ['a port that is not a number', `postgres://app:${password}@db.internal:notaport/app`, /port that is not a number/],
    ['a port out of range', `postgres://app:${password}@db.internal:70000/app`, /port that is not a number from 1 to 65535/],
    ['port zero', `postgres://app:${password}@db.internal:0/app`, /port/],
    ['an unknown scheme', `mysql://app:${password}@db.internal/app`, /postgres:\/\/ or postgresql:\/\/.*scheme is 'mysql:'/],
    ['no scheme at all', `app:${password}@db.internal/app`, /starting with postgres:\/\//],
    ['an http URL', `https://app:${password}@db.internal/app`, /scheme is 'https:'/],
    ['a malformed percent escape in the password', `postgres://app:${password}%zz@db.internal/app`, /password has a malformed percent escape/],
    ['an unencoded slash in the password', `postgres://app:${password.slice(0, 6)}/${password.slice(6)}@db.internal/app`, /must be percent-encoded/],
    ['an empty host in a host list', `postgres://app:${password}@db1:5432,,db2/app`, /empty entry/],
    ['a broken IPv6 host', `postgres://app:${password}@[::1/app`, /IPv6/],
    ['an empty string', '', /empty string/],
    ['only spaces', '   ', /empty string/],
  ]
  it.each(malformed)('%s → InvalidArgumentError at open(), no password in message, stack or cause', (_, dsn, says) => {
    const error = openError(dsn)
    expect(error).toBeInstanceOf(InvalidArgumentError)
    expect(error.message).toMatch(says)
    for (const shown of [error.message, String(error.stack), inspect(error, { depth: 5 }), String(error.cause)]) {
      expect(shown).not.toContain(password)
      expect(shown).not.toContain(password.slice(6)) // nor any part of it
    }
  })

  it('not a string nor options, with DATABASE_URL unset → InvalidArgumentError pointing at DATABASE_URL', () => {
    vi.stubEnv('DATABASE_URL', undefined)
    vi.stubEnv('LITEORM_LISTEN_URL', undefined)
    try {
      expect(openError(undefined)).toBeInstanceOf(InvalidArgumentError)
      expect(openError(undefined).message).toMatch(/DATABASE_URL/)
      expect(openError(42).message).toMatch(/got number/)
    } finally {
      vi.unstubAllEnvs()
    }
  })

  it('an unknown target_session_attrs is refused at open()', () => {
    expect(() => open('postgres://app@db1,db2/app?target_session_attrs=prefer-primary')).toThrow(/target_session_attrs must be one of/)
  })

  it('url and connectionString together are refused; the DSN inside options is validated too', () => {
    expect(() => open({ url, connectionString: url })).toThrow(/url or as connectionString, not both/)
    expect(() => open({ url: 'postgres://app:pw@db:99999/app' })).toThrow(InvalidArgumentError)
  })

  it.each([
    ['postgres://app:pw@db.internal:5432/app?sslmode=require&application_name=a+b'],
    ['postgresql://app@db.internal/app'],
    ['postgres://[::1]:5432/app'],
    ['postgres://app:pw@db1:5432,db2:5433,[::1]:5434/app?target_session_attrs=read-write'],
    ['postgres:///app?host=/var/run/postgresql'],
    [`postgres://app:${encodeURIComponent('p@ss:/?#w')}@db.internal/app`],
  ])('a well-formed DSN is accepted without connecting: %s', (dsn) => {
    const db = open(dsn)
    expect(pool(db)!.totalCount).toBe(0)
    return db.close()
  })

  it('db.close() ends the listenUrl pool too, also after a transaction let Kysely end the main pool', async () => {
    const listenUrl = new URL(url)
    listenUrl.searchParams.set('application_name', 'listen-pool-closed')
    const db = open({ url, listenUrl: listenUrl.toString() })
    await db.transaction((tx) => tx.exec(sql`select 1`))
    const l = await listen(db, 'closing')
    await l.close() // its connection idles in the listen pool
    await db.close()
    await expectNoBackends(url, 'listen-pool-closed')
  })

  it('messages about a multi-host DSN name every host, and never its password', async () => {
    const server = new URL(url)
    const multi = `postgres://${server.username}:${server.password}@${server.hostname}:${server.port},localhost:${server.port}${server.pathname}?application_name=multi-host-target`
    const db = open(multi)
    const lost: string[] = []
    const l = await listen(db, 'multi_host', { onEvent: (e) => void (e.type === 'disconnected' && lost.push(e.error.message)) })
    await admin(url, "select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'multi-host-target'")
    await vi.waitFor(() => expect(lost).toHaveLength(1), { timeout: 10_000 })
    expect(lost[0]).toContain(`@${server.hostname}:${server.port},localhost:${server.port}/`)
    if (server.password !== '') expect(lost[0]).not.toContain(server.password)
    await l.close()
    await db.close()
  })

  it('a well-formed DSN with options reaches the server', async () => {
    const db = open({ url, max: 2, application_name: 'open-options' })
    const { name } = await db.queryOne(sql<{ name: string }>`select current_setting('application_name') as name`)
    expect(name).toBe('open-options')
    await db.close()
  })
})

describe('open({ pool }): the application\'s own pool, shared and left open', () => {
  const app = 'byo-pool'
  let appPool: pg.Pool
  beforeAll(() => {
    appPool = new pg.Pool({ connectionString: url, max: 3, application_name: app })
  })
  afterAll(() => appPool.end())

  const serverConnections = async (): Promise<number> =>
    Number((await admin<{ n: string }>(url, 'select count(*) as n from pg_stat_activity where application_name = $1', [app]))[0]!.n)

  it('sessions, notify, listen and subscribe run on the given pool and open no connection of their own', async () => {
    const db = open({ pool: appPool })
    expect(pool(db)).toBe(appPool)
    const l = await listen(db, 'byo')
    const seen: Notification[] = []
    let bothSeen!: () => void
    const handled = new Promise<void>((resolve) => (bothSeen = resolve))
    const sub = await subscribe(db, 'byo', (n) => {
      if (seen.push(n) === 2) bothSeen()
    })
    await db.transaction(async (tx) => {
      await tx.exec(sql`select 1`)
      await notify(tx, 'byo', 'from a transaction')
    })
    await notify(db, 'byo', 'from the DB')
    expect((await l.receive(AbortSignal.timeout(5000))).payload).toBe('from a transaction')
    expect((await l.receive(AbortSignal.timeout(5000))).payload).toBe('from the DB')
    await handled
    await sub.close()
    expect(seen.map((n) => n.payload)).toEqual(['from a transaction', 'from the DB'])
    expect(await serverConnections()).toBe(appPool.totalCount) // every connection on the server is the app pool's
    await l.close()
    await db.close()
  })

  it('db.close() releases what it checked out and leaves the pool open and usable', async () => {
    const db = open({ pool: appPool })
    await listen(db, 'left open') // held until db.close()
    expect(appPool.totalCount - appPool.idleCount).toBe(1)
    await db.close()
    expect(appPool.totalCount - appPool.idleCount).toBe(0)
    expect(appPool.ending).toBe(false)
    const { rows } = await appPool.query('select 1 as one')
    expect(rows).toEqual([{ one: 1 }])
    // and the connection the listener used is subscribed to nothing
    const listening = await Promise.all(Array.from({ length: appPool.totalCount }, () => appPool.connect()))
    for (const client of listening) {
      expect((await client.query('select count(*)::int as n from pg_listening_channels()')).rows[0].n).toBe(0)
      client.release()
    }
  })

  it("the application's own Kysely instance and db.kysely share the pool in one process", async () => {
    interface Schema {
      notes: { id: number; body: string }
    }
    const appKysely = new Kysely<Schema>({ dialect: new PostgresDialect({ pool: appPool }) })
    const db = open<Schema>({ pool: appPool })
    await kyselySql`create table notes (id int primary key, body text not null)`.execute(appKysely)
    await appKysely.insertInto('notes').values({ id: 1, body: 'written by the app' }).execute()
    await db.kysely.insertInto('notes').values({ id: 2, body: 'written by liteorm' }).execute()
    const bodies = await db.transaction((tx) => tx.kysely.selectFrom('notes').select('body').orderBy('id').execute())
    expect(bodies.map((r) => r.body)).toEqual(['written by the app', 'written by liteorm'])
    await db.close()
    expect(appPool.ending).toBe(false)
    expect(await appKysely.selectFrom('notes').select('id').execute()).toHaveLength(2)
  })

  it('pool options next to a pool are refused: the pool is used as it is configured', () => {
    expect(() => open({ pool: appPool, max: 10 })).toThrow(/drop max/)
    expect(() => open({ pool: appPool, url })).toThrow(/drop url/)
    expect(() => open({ pool: {} as pg.Pool })).toThrow(/needs a pg.Pool/)
  })
})
