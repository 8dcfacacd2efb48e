import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { pgBouncerInstalled, startPgBouncer, type PgBouncer } from '@liteorm/testing'
import { useDatabase } from '@liteorm/testing/vitest'
import { ConnectionError, listen, notify, open, pool, sql, subscribe, type Notification, type PostgresDB } from '@liteorm/postgres'

const installed = pgBouncerInstalled()
if (!installed) console.log('pgbouncer tests skipped: no pgbouncer command here (Debian: apt-get install -y pgbouncer; .ci/run installs it)')

describe.skipIf(!installed)('behind a real PgBouncer in transaction mode', () => {
  let direct: string
  let bouncer: PgBouncer
  beforeAll(async () => {
    direct = await useDatabase('pgbouncer')
    bouncer = await startPgBouncer(direct, 'transaction')
  })
  afterAll(() => bouncer?.stop())

  it('listen() through the pooler alone is refused by the self-check, naming the pooler and listenUrl, instead of hearing nothing', async () => {
    const db = open(bouncer.url)
    try {
      const error = await listen(db, 'x').catch((e: unknown) => e)
      expect(error).toBeInstanceOf(ConnectionError)
      expect((error as Error).message).toMatch(/transaction mode/)
      expect((error as Error).message).toMatch(/listenUrl/)
      expect(pool(db)!.totalCount - pool(db)!.idleCount).toBe(0)
    } finally {
      await db.close()
    }
  })

  describe('with listenUrl straight to PostgreSQL', () => {
    let db: PostgresDB<unknown>
    beforeAll(() => {
      db = open({ url: bouncer.url, listenUrl: direct })
    })
    afterAll(() => db.close())

    it('notify through the pooler reaches a listener on listenUrl, in order, prepared statements included', async () => {
      const l = await listen(db, 'through')
      const payloads = Array.from({ length: 40 }, (_, i) => `n${i}`)
      for (const p of payloads.slice(0, 20)) await notify(db, 'through', p) // one by one: the prepared statement, then its fallback
      await Promise.all(payloads.slice(20).map((p) => notify(db, 'through', p))) // shared statements
      const got: string[] = []
      while (got.length < payloads.length) got.push((await l.receive(AbortSignal.timeout(5000))).payload)
      expect(got).toEqual(payloads)
      await l.close()
    })

    it('transactions through the pooler: delivered at commit, never on rollback', async () => {
      const l = await listen(db, 'tx')
      await db.exec(sql`create table if not exists outbox (id serial primary key, body text)`)
      await db
        .transaction(async (tx) => {
          await tx.exec(sql`insert into outbox (body) values ('rolled back')`)
          await notify(tx, 'tx', 'rolled back')
          throw new Error('change of mind')
        })
        .catch(() => undefined)
      await db.transaction(async (tx) => {
        await tx.exec(sql`insert into outbox (body) values ('committed')`)
        await notify(tx, 'tx', 'committed')
      })
      expect((await l.receive(AbortSignal.timeout(5000))).payload).toBe('committed')
      expect(await db.query(sql<{ body: string }>`select body from outbox`)).toEqual([{ body: 'committed' }])
      await l.close()
    })

    it('the subscription hub listens on listenUrl while notify goes through the pooler', async () => {
      const seen: Notification[] = []
      let done!: () => void
      const both = new Promise<void>((resolve) => (done = resolve))
      const sub = await subscribe(db, 'hub', (n) => {
        if (seen.push(n) === 2) done()
      })
      await notify(db, 'hub', 'one')
      await notify(db, 'hub', 'two')
      await both
      expect(seen.map((n) => n.payload)).toEqual(['one', 'two'])
      await sub.close()
    })
  })
})
