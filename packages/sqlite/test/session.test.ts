import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CompiledQuery, type Generated } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BusyError, ConstraintViolationError, InvalidArgumentError, notify, open, sql, type SqliteDB } from '@liteorm/sqlite'

interface Schema {
  items: { id: Generated<number>; name: string }
}

const dir = mkdtempSync(join(tmpdir(), 'liteorm-sqlite-session-'))
const file = join(dir, 'session.db')
let db: SqliteDB<Schema>
beforeAll(async () => {
  db = open<Schema>(file)
  await db.exec(sql`create table items (id integer primary key, name text not null)`)
  await db.exec(sql`create table tags (name text primary key) without rowid`)
})
afterAll(async () => {
  await db.close()
  rmSync(dir, { recursive: true, force: true })
})

function gate(): { open: () => void; passed: Promise<void> } {
  let open!: () => void
  const passed = new Promise<void>((resolve) => (open = resolve))
  return { open, passed }
}

describe('exec on SQLite', () => {
  it('an INSERT reports insertId, the new rowid as a bigint; an UPDATE or DELETE reports none', async () => {
    const inserted = await db.exec(sql`insert into items (name) values ('a')`)
    const { id } = await db.queryOne(sql<{ id: number }>`select max(id) as id from items`)
    expect(inserted).toEqual({ rowsAffected: 1, insertId: BigInt(id) })
    expect(await db.exec(sql`update items set name = 'b' where id = ${id}`)).toEqual({ rowsAffected: 1 })
    expect(await db.exec(sql`delete from items where id = ${id}`)).toEqual({ rowsAffected: 1 })
  })

  it('insertId comes from Kysely builders, REPLACE and WITH ... INSERT too, and is absent when nothing was inserted', async () => {
    expect((await db.exec(db.kysely.insertInto('items').values({ name: 'builder' }))).insertId).toBeTypeOf('bigint')
    expect(await db.exec(sql`replace into items (id, name) values (1000, 'replaced')`)).toEqual({ rowsAffected: 1, insertId: 1000n })
    expect(await db.exec(sql`/* a comment */ with v(n) as (select 'cte') insert into items (id, name) select 1001, n from v`)).toEqual({
      rowsAffected: 1,
      insertId: 1001n,
    })
    expect(await db.exec(sql`insert or ignore into items (id, name) values (1001, 'ignored')`)).toEqual({ rowsAffected: 0 })
  })

  it('insertId is exact beyond 2^53', async () => {
    const big = 2n ** 62n + 1n
    expect(await db.exec(sql`insert into items (id, name) values (${big}, 'big')`)).toEqual({ rowsAffected: 1, insertId: big })
    await db.exec(sql`delete from items where name = 'big'`)
  })

  it('a write with RETURNING reports its rows, and rowsAffected counts them', async () => {
    expect(await db.query(sql<{ name: string }>`insert into items (name) values ('r1'), ('r2') returning name`)).toEqual([{ name: 'r1' }, { name: 'r2' }])
    const inserted = await db.exec(sql`insert into items (id, name) values (2000, 'r3') returning id`)
    expect(inserted).toEqual({ rowsAffected: 1, insertId: 2000n })
    await db.exec(sql`delete from items where id = 2000`)
    const result = await db.exec(sql`update items set name = name || '!' where name in ('r1', 'r2') returning id`)
    expect(result.rowsAffected).toBe(2)
    expect(result.insertId).toBeUndefined()
  })

  it('an INSERT into a WITHOUT ROWID table reports rowsAffected', async () => {
    expect((await db.exec(sql`insert into tags (name) values ('t')`)).rowsAffected).toBe(1)
  })

  it('a value SQLite cannot bind (a boolean) rejects with InvalidArgumentError saying what to pass', async () => {
    await expect(db.query(sql`select ${true as unknown as number} as b`)).rejects.toThrow(InvalidArgumentError)
    await expect(db.query(sql`select ${true as unknown as number} as b`)).rejects.toThrow(/booleans as 1\/0/)
    await expect(db.query(CompiledQuery.raw('select ? as a, ? as b', [1]))).rejects.toBeInstanceOf(InvalidArgumentError)
  })

  it('cached statements follow schema changes', async () => {
    await db.exec(sql`create table evolving (a)`)
    await db.exec(sql`insert into evolving values (1)`)
    expect(await db.query(sql`select * from evolving`)).toEqual([{ a: 1 }])
    await db.exec(sql`alter table evolving add column b default 2`)
    expect(await db.query(sql`select * from evolving`)).toEqual([{ a: 1, b: 2 }])
  })

  it('Kysely streaming works on the session', async () => {
    const names: string[] = []
    for await (const row of db.kysely.selectFrom('items').select('name').where('name', 'in', ['r1!', 'r2!']).orderBy('name').stream(1)) names.push(row.name)
    expect(names).toEqual(['r1!', 'r2!'])
  })
})

describe('transactions on SQLite', () => {
  it('a read-write transaction takes the write lock at BEGIN (IMMEDIATE): another connection cannot write even before it does', async () => {
    const other = open({ filename: file, busyTimeoutMs: 20 })
    const begun = gate()
    const done = gate()
    const holder = db.transaction(async (tx) => {
      await tx.query(sql`select count(*) from items`) // reads only
      begun.open()
      await done.passed
    })
    await begun.passed
    await expect(other.transaction((tx) => tx.exec(sql`insert into items (name) values ('blocked')`))).rejects.toMatchObject({
      name: 'BusyError',
      driverCode: 'SQLITE_BUSY',
    })
    done.open()
    await holder
    await other.transaction((tx) => tx.exec(sql`insert into items (name) values ('after the holder')`))
    await other.close()
  })

  it('a deferred transaction that read before another connection wrote fails with BusyError (SQLITE_BUSY_SNAPSHOT) when it writes; BEGIN IMMEDIATE never does', async () => {
    const other = open({ filename: file, busyTimeoutMs: 20 })
    // What liteorm's transactions avoid, done by hand: BEGIN DEFERRED, read, then write after someone else did.
    await other.exec(sql`begin deferred`)
    await other.query(sql`select count(*) from items`)
    await db.exec(sql`insert into items (name) values ('moves the snapshot on')`)
    const error = await other.exec(sql`insert into items (name) values ('stale')`).catch((e: unknown) => e)
    await other.exec(sql`rollback`)
    expect(error).toBeInstanceOf(BusyError)
    expect(error).toMatchObject({ driverCode: 'SQLITE_BUSY_SNAPSHOT' })
    await other.close()
  })

  it('readOnly transactions run beside a writing one (BEGIN DEFERRED in WAL mode) and see the last commit', async () => {
    const other = open({ filename: file, busyTimeoutMs: 20 })
    const begun = gate()
    const done = gate()
    const holder = db.transaction(async (tx) => {
      await tx.exec(sql`insert into items (name) values ('not yet committed')`)
      begun.open()
      await done.passed
    })
    await begun.passed
    const seen = await other.transaction((tx) => tx.query(sql`select 1 from items where name = 'not yet committed'`), { readOnly: true })
    expect(seen).toEqual([])
    done.open()
    await holder
    await other.close()
  })

  it('query_only is lifted after a read-only transaction, whether it committed or threw', async () => {
    await db.transaction(async () => undefined, { readOnly: true })
    await expect(db.transaction(async () => Promise.reject(new Error('boom')), { readOnly: true })).rejects.toThrow('boom')
    expect(await db.queryOne(sql<{ q: number }>`select query_only as q from pragma_query_only`)).toEqual({ q: 0 })
    await db.exec(sql`insert into items (name) values ('writable')`)
  })

  it('when SQLite rolls a transaction back by itself, the original error is reported, not a failed ROLLBACK', async () => {
    await db.exec(sql`create table guarded (x)`)
    await db.exec(sql`create trigger guard before insert on guarded when new.x < 0 begin select raise(rollback, 'negative x rolls back'); end`)
    const error = await db
      .transaction(async (tx) => {
        await tx.exec(sql`insert into guarded values (1)`)
        await tx.exec(sql`insert into guarded values (-1)`)
      })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ConstraintViolationError)
    expect(error).toMatchObject({ driverCode: 'SQLITE_CONSTRAINT_TRIGGER', message: 'negative x rolls back' })
    expect(await db.query(sql`select x from guarded`)).toEqual([])
    await db.transaction((tx) => tx.exec(sql`insert into guarded values (2)`))
  })

  it('transactions on one DB run one after another, never interleaved', async () => {
    const events: string[] = []
    await Promise.all(
      ['a', 'b', 'c'].map((name) =>
        db.transaction(async (tx) => {
          events.push(`${name} begins`)
          await tx.query(sql`select 1`)
          await new Promise((resolve) => setTimeout(resolve, 5))
          events.push(`${name} ends`)
        }),
      ),
    )
    expect(events).toEqual(['a begins', 'a ends', 'b begins', 'b ends', 'c begins', 'c ends'])
  })

  it('inside a transaction callback, calls on the DB itself reject with InvalidArgumentError instead of waiting forever', async () => {
    await db.transaction(async (tx) => {
      await expect(db.query(sql`select 1`)).rejects.toThrow(/Use the session the transaction callback receives/)
      await expect(db.queryOne(sql`select 1`)).rejects.toBeInstanceOf(InvalidArgumentError)
      await expect(db.exec(sql`select 1`)).rejects.toBeInstanceOf(InvalidArgumentError)
      await expect(db.transaction(async () => 1)).rejects.toBeInstanceOf(InvalidArgumentError)
      await expect(notify(db, 'jobs', 'x')).rejects.toBeInstanceOf(InvalidArgumentError)
      await tx.transaction(async (inner) => {
        await expect(db.query(sql`select 1`)).rejects.toBeInstanceOf(InvalidArgumentError)
        expect(await inner.query(sql`select 1 as ok`)).toEqual([{ ok: 1 }])
      })
      expect(await tx.query(sql`select 1 as ok`)).toEqual([{ ok: 1 }])
    })
  })

  it('calls on the DB inside its transaction reject also after transactions came and went, and while another DB ends one', async () => {
    await db.transaction(async () => {})
    await db.transaction(async () => {
      await expect(db.query(sql`select 1`)).rejects.toBeInstanceOf(InvalidArgumentError)
    })
    const other = open(':memory:')
    await db.transaction(async () => {
      await other.transaction(async () => {})
      await expect(db.query(sql`select 1`)).rejects.toBeInstanceOf(InvalidArgumentError)
    })
    await other.close()
  })

  it('work on the DB that a transaction callback scheduled for later runs normally once the transaction is over', async () => {
    let later!: Promise<unknown>
    await db.transaction(async () => {
      later = new Promise((resolve) => setTimeout(resolve, 10)).then(() => db.query(sql`select 1 as ok`))
    })
    expect(await later).toEqual([{ ok: 1 }])
  })

  it('a DB opened separately on the same file may be used inside a transaction (it reads the last commit)', async () => {
    const other = open(file)
    await db.transaction(async (tx) => {
      await tx.exec(sql`insert into items (name) values ('uncommitted')`)
      expect(await other.query(sql`select 1 from items where name = 'uncommitted'`)).toEqual([])
    })
    await other.close()
  })

  it("isolationLevel other than 'serializable' and a non-boolean readOnly reject with InvalidArgumentError saying why", async () => {
    await expect(db.transaction(async () => 1, { isolationLevel: 'repeatable read' })).rejects.toThrow(/runs every transaction serializable/)
    await expect(db.transaction(async () => 1, { readOnly: 'yes' as unknown as boolean })).rejects.toBeInstanceOf(InvalidArgumentError)
  })
})
