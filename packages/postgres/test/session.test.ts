import type { Generated } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ClosedError, InvalidArgumentError, listen, notify, open, pool, sql, type PostgresDB } from '@liteorm/postgres'
import { useDatabase } from '@liteorm/testing/vitest'

interface Schema {
  items: { id: Generated<number>; name: string }
}

let url: string
let db: PostgresDB<Schema>
beforeAll(async () => {
  url = await useDatabase('session')
  db = open<Schema>(url)
  await db.exec(sql`create table items (id serial primary key, name text not null)`)
})
afterAll(() => db.close())

const count = async (): Promise<number> => (await db.queryOne(sql<{ n: number }>`select count(*)::int as n from items`)).n

// The dialect-neutral session behaviour is pinned by test/contract on both
// backends; these tests pin what is PostgreSQL's own.
describe('Session on PostgreSQL', () => {
  it('dialect is postgres and open() is synchronous and lazy: no connection before the first query', async () => {
    const lazy = open(url)
    expect(lazy.dialect).toBe('postgres')
    expect(pool(lazy)!.totalCount).toBe(0)
    await lazy.query(sql`select 1`)
    expect(pool(lazy)!.totalCount).toBe(1)
    await lazy.close()
  })

  it('transaction options set the isolation level and read-only mode', async () => {
    const level = await db.transaction((tx) => tx.queryOne(sql<{ l: string }>`select current_setting('transaction_isolation') as l`), {
      isolationLevel: 'serializable',
    })
    expect(level.l).toBe('serializable')
    const readOnly = db.transaction((tx) => tx.exec(sql`insert into items (name) values ('nope')`), { readOnly: true })
    await expect(readOnly).rejects.toMatchObject({ driverCode: '25006' })
  })

  it("Kysely's controlled transactions and their savepoints work through session.kysely", async () => {
    const before = await count()
    const trx = await db.kysely.startTransaction().execute()
    await trx.insertInto('items').values({ name: 'kept by savepoint' }).execute()
    const sp = await trx.savepoint('sp').execute()
    await sp.insertInto('items').values({ name: 'rolled back to savepoint' }).execute()
    const back = await sp.rollbackToSavepoint('sp').execute()
    await back.commit().execute()
    expect(await count()).toBe(before + 1)
  })

  it('readOnly must be a boolean', async () => {
    // @ts-expect-error: not a boolean
    await expect(db.transaction(async () => 1, { readOnly: 'yes' })).rejects.toBeInstanceOf(InvalidArgumentError)
  })

  it('notify and listen accept a DB and a transaction typed with a schema', async () => {
    const l = await listen(db, 'typed')
    await db.transaction((tx) => notify(tx, 'typed', 'from a typed transaction'))
    expect((await l.receive(AbortSignal.timeout(5000))).payload).toBe('from a typed transaction')
    await l.close()
  })

  it('close() is idempotent and later calls reject with ClosedError', async () => {
    const own = open(url)
    await own.query(sql`select 1`)
    await Promise.all([own.close(), own.close()])
    await expect(own.query(sql`select 1`)).rejects.toBeInstanceOf(ClosedError)
    await expect(own.transaction(async () => 1)).rejects.toBeInstanceOf(ClosedError)
    expect(pool(own)!.totalCount).toBe(0)
  })
})
