import { CompiledQuery } from 'kysely'
import type { Generated } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ClosedError, InvalidArgumentError, LiteormError, NoRowsError, listen, notify, open, pool, sql, type PostgresDB } from '@liteorm/postgres'
import { useDatabase } from '../../../test/use-database.js'

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

describe('Session on PostgreSQL', () => {
  it('dialect is postgres and open() is synchronous and lazy: no connection before the first query', async () => {
    const lazy = open(url)
    expect(lazy.dialect).toBe('postgres')
    expect(pool(lazy)!.totalCount).toBe(0)
    await lazy.query(sql`select 1`)
    expect(pool(lazy)!.totalCount).toBe(1)
    await lazy.close()
  })

  it('query accepts a sql template, a Kysely builder and a CompiledQuery, binding values as parameters', async () => {
    const evil = "'); drop table items; --"
    expect(await db.query(sql<{ v: string }>`select ${evil}::text as v`)).toEqual([{ v: evil }])
    await db.exec(db.kysely.insertInto('items').values({ name: 'builder' }))
    expect(await db.query(db.kysely.selectFrom('items').select('name').where('name', '=', 'builder'))).toEqual([{ name: 'builder' }])
    expect(await db.query(CompiledQuery.raw('select $1::int as n', [7]))).toEqual([{ n: 7 }])
    expect(await count()).toBeGreaterThan(0)
  })

  it('queryOne returns the first row and rejects with NoRowsError when there is none', async () => {
    expect(await db.queryOne(sql<{ n: number }>`select 1 as n union all select 2`)).toEqual({ n: 1 })
    await expect(db.queryOne(sql`select 1 where false`)).rejects.toBeInstanceOf(NoRowsError)
  })

  it('exec reports rowsAffected', async () => {
    await db.exec(sql`insert into items (name) values ('a'), ('a'), ('a')`)
    expect(await db.exec(sql`update items set name = 'b' where name = 'a'`)).toEqual({ rowsAffected: 3 })
    expect(await db.exec(sql`delete from items where name = 'nothing'`)).toEqual({ rowsAffected: 0 })
  })

  it('transaction commits when the callback resolves', async () => {
    const before = await count()
    const value = await db.transaction(async (tx) => {
      await tx.exec(sql`insert into items (name) values ('committed')`)
      return 42
    })
    expect(value).toBe(42)
    expect(await count()).toBe(before + 1)
  })

  it('transaction rolls back and rethrows when the callback throws, including work done through tx.kysely', async () => {
    const before = await count()
    const boom = new Error('boom')
    await expect(
      db.transaction(async (tx) => {
        await tx.kysely.insertInto('items').values({ name: 'rolled back' }).execute()
        expect((await tx.queryOne(sql<{ n: number }>`select count(*)::int as n from items`)).n).toBe(before + 1)
        throw boom
      }),
    ).rejects.toBe(boom)
    expect(await count()).toBe(before)
  })

  it('a nested transaction is a savepoint: its rollback keeps the outer work', async () => {
    const before = await count()
    await db.transaction(async (tx) => {
      await tx.exec(sql`insert into items (name) values ('outer')`)
      await expect(
        tx.transaction(async (inner) => {
          await inner.exec(sql`insert into items (name) values ('inner, rolled back')`)
          throw new Error('inner')
        }),
      ).rejects.toThrow('inner')
      await tx.transaction(async (inner) => {
        await inner.exec(sql`insert into items (name) values ('inner, kept')`)
        await inner.transaction(async (deepest) => {
          await deepest.exec(sql`insert into items (name) values ('deepest, kept')`)
        })
      })
    })
    expect(await count()).toBe(before + 3)
    expect(await db.query(sql`select 1 from items where name = 'inner, rolled back'`)).toEqual([])
  })

  it('a savepoint recovers a failed statement inside the transaction', async () => {
    await db.transaction(async (tx) => {
      await expect(tx.transaction((inner) => inner.exec(sql`select 1/0`))).rejects.toBeInstanceOf(LiteormError)
      expect(await tx.queryOne(sql<{ ok: number }>`select 1 as ok`)).toEqual({ ok: 1 })
    })
  })

  it('transaction options set the isolation level and read-only mode', async () => {
    const level = await db.transaction((tx) => tx.queryOne(sql<{ l: string }>`select current_setting('transaction_isolation') as l`), {
      isolationLevel: 'serializable',
    })
    expect(level.l).toBe('serializable')
    const readOnly = db.transaction((tx) => tx.exec(sql`insert into items (name) values ('nope')`), { readOnly: true })
    await expect(readOnly).rejects.toMatchObject({ driverCode: '25006' })
  })

  it('options on a nested transaction, and unknown isolation levels, are rejected with InvalidArgumentError', async () => {
    await db.transaction(async (tx) => {
      await expect(tx.transaction(async () => 1, { isolationLevel: 'serializable' })).rejects.toBeInstanceOf(InvalidArgumentError)
    })
    // @ts-expect-error: not an isolation level
    await expect(db.transaction(async () => 1, { isolationLevel: 'chaos' })).rejects.toBeInstanceOf(InvalidArgumentError)
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
