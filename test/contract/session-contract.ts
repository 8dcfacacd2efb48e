import { CompiledQuery, type Generated } from 'kysely'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  BusyError,
  CheckViolationError,
  ClosedError,
  ForeignKeyViolationError,
  InvalidArgumentError,
  LiteormError,
  NoRowsError,
  NotNullViolationError,
  RetryableError,
  UniqueViolationError,
  sql,
  type DB,
} from '@liteorm/core'
import { gate, rejection, type Backend } from './backends.js'

/** The tables the session contract works on. */
export interface Schema {
  items: { id: Generated<number>; name: string }
  users: { id: Generated<number>; email: string | null }
}

/**
 * The Session contract: the same tests on every backend. Call inside a
 * `describe` whose `beforeAll` has run `backend.prepare()`.
 */
export function sessionContract(backend: Backend): void {
  const { dialect } = backend
  let db: DB<Schema>
  const count = async (): Promise<number> => (await db.queryOne(sql<{ n: number }>`select cast(count(*) as integer) as n from items`)).n

  beforeAll(async () => {
    db = backend.open<Schema>()
    await db.exec(sql`create table items (id ${sql.raw(backend.serialKey)}, name text not null)`)
    await db.exec(sql`create table users (id ${sql.raw(backend.serialKey)}, email text unique)`)
    await db.exec(
      sql`create table accounts (id int primary key, email text not null, balance int not null constraint balance_not_negative check (balance >= 0))`,
    )
    await db.exec(sql`create table orders (id ${sql.raw(backend.serialKey)}, user_id int not null constraint orders_user_fk references users (id))`)
    await db.exec(sql`insert into accounts values (1, 'a', 10)`)
    await db.exec(sql`insert into items (name) values ('first')`)
    return () => db.close()
  })

  describe('Session', () => {
    it(`dialect is '${dialect}'`, () => {
      expect(db.dialect).toBe(dialect)
    })

    it('query accepts a sql template, a Kysely builder and a CompiledQuery, binding values as parameters', async () => {
      const evil = "'); drop table items; --"
      expect(await db.query(sql<{ v: string }>`select ${evil} as v`)).toEqual([{ v: evil }])
      await db.exec(db.kysely.insertInto('items').values({ name: 'builder' }))
      expect(await db.query(db.kysely.selectFrom('items').select('name').where('name', '=', 'builder'))).toEqual([{ name: 'builder' }])
      expect(await db.query(CompiledQuery.raw(`select cast(${backend.placeholder(1)} as integer) as n`, [7]))).toEqual([{ n: 7 }])
      expect(await count()).toBeGreaterThan(0)
    })

    it('queryOne returns the first row and rejects with NoRowsError when there is none', async () => {
      expect(await db.queryOne(sql<{ n: number }>`select 1 as n union all select 2`)).toEqual({ n: 1 })
      await expect(db.queryOne(sql`select 1 where 1 = 0`)).rejects.toBeInstanceOf(NoRowsError)
      await expect(db.queryOne(db.kysely.selectFrom('items').selectAll().where('name', '=', 'nobody'))).rejects.toMatchObject({ code: 'NO_ROWS' })
    })

    it('exec reports rowsAffected, and insertId where the database has one', async () => {
      const inserted = await db.exec(sql`insert into items (name) values ('a'), ('a'), ('a')`)
      expect(inserted.rowsAffected).toBe(3)
      if (dialect === 'sqlite') {
        // SQLite reports the rowid of the last row inserted; PostgreSQL has no such thing (use RETURNING).
        const last = await db.queryOne(sql<{ id: number }>`select max(id) as id from items`)
        expect(inserted.insertId).toBe(BigInt(last.id))
      } else {
        expect(inserted.insertId).toBeUndefined()
      }
      expect(await db.exec(sql`update items set name = 'b' where name = 'a'`)).toEqual({ rowsAffected: 3 })
      expect(await db.exec(sql`delete from items where name = 'nothing'`)).toEqual({ rowsAffected: 0 })
      expect(await db.exec(db.kysely.deleteFrom('items').where('name', '=', 'b'))).toEqual({ rowsAffected: 3 })
    })

    it('transaction commits when the callback resolves, and returns its value', async () => {
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
          expect((await tx.queryOne(sql<{ n: number }>`select cast(count(*) as integer) as n from items`)).n).toBe(before + 1)
          throw boom
        }),
      ).rejects.toBe(boom)
      expect(await count()).toBe(before)
    })

    it('a nested transaction is a savepoint: its rollback keeps the outer work, nested savepoints commit with it', async () => {
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
          await expect(
            inner.transaction(async (deepest) => {
              await deepest.exec(sql`insert into items (name) values ('deepest, rolled back')`)
              throw new Error('deepest')
            }),
          ).rejects.toThrow('deepest')
        })
      })
      expect(await count()).toBe(before + 3)
      expect(await db.query(sql`select 1 from items where name like '%rolled back'`)).toEqual([])
    })

    it('the outer rollback undoes savepoints that were released', async () => {
      const before = await count()
      await expect(
        db.transaction(async (tx) => {
          await tx.transaction((inner) => inner.exec(sql`insert into items (name) values ('released, then rolled back')`))
          throw new Error('outer')
        }),
      ).rejects.toThrow('outer')
      expect(await count()).toBe(before)
    })

    it('a savepoint recovers a failed statement: the transaction goes on and commits', async () => {
      await db.exec(sql`insert into users (email) values ('savepoint@x')`)
      await db.transaction(async (tx) => {
        const failed = tx.transaction((inner) => inner.exec(sql`insert into users (email) values ('savepoint@x')`))
        await expect(failed).rejects.toBeInstanceOf(UniqueViolationError)
        await tx.exec(sql`insert into users (email) values ('after the savepoint@x')`)
      })
      expect(await db.query(sql`select email from users where email = 'after the savepoint@x'`)).toHaveLength(1)
    })

    it("isolationLevel 'serializable' is accepted", async () => {
      expect(await db.transaction(async () => 'ok', { isolationLevel: 'serializable' })).toBe('ok')
    })

    it('other isolation levels: PostgreSQL applies them, SQLite rejects them with InvalidArgumentError', async () => {
      const attempt = db.transaction(async () => 'ok', { isolationLevel: 'read committed' })
      // SQLite runs every transaction serializable: a weaker level cannot be had, and is refused rather than ignored.
      if (dialect === 'sqlite') await expect(attempt).rejects.toBeInstanceOf(InvalidArgumentError)
      else expect(await attempt).toBe('ok')
    })

    it('readOnly: reads work, a write rejects with a LiteormError carrying the database code, and the next transaction may write', async () => {
      expect(await db.transaction((tx) => tx.query(sql`select name from items where id = 1`), { readOnly: true })).toEqual([{ name: 'first' }])
      const error = await rejection(db.transaction((tx) => tx.exec(sql`insert into items (name) values ('nope')`), { readOnly: true }))
      expect(error).toBeInstanceOf(LiteormError)
      expect(error).toMatchObject({ driverCode: dialect === 'postgres' ? '25006' : 'SQLITE_READONLY' })
      await db.transaction((tx) => tx.exec(sql`insert into items (name) values ('writable again')`))
      await db.exec(sql`delete from items where name = 'writable again'`)
    })

    it('options on a nested transaction, unknown isolation levels and a non-function are rejected with InvalidArgumentError', async () => {
      await db.transaction(async (tx) => {
        await expect(tx.transaction(async () => 1, { isolationLevel: 'serializable' })).rejects.toBeInstanceOf(InvalidArgumentError)
        await expect(tx.transaction(async () => 1, { readOnly: true })).rejects.toBeInstanceOf(InvalidArgumentError)
      })
      // @ts-expect-error: not an isolation level
      await expect(db.transaction(async () => 1, { isolationLevel: 'chaos' })).rejects.toBeInstanceOf(InvalidArgumentError)
      // @ts-expect-error: not a function
      await expect(db.transaction('select 1')).rejects.toBeInstanceOf(InvalidArgumentError)
    })

    it('a query that is not a query rejects with InvalidArgumentError', async () => {
      // @ts-expect-error: a string is not a query; use sql`...`
      await expect(db.query('select 1')).rejects.toBeInstanceOf(InvalidArgumentError)
    })
  })

  describe('errors, provoked for real', () => {
    it('a duplicate key → UniqueViolationError naming the table', async () => {
      await db.exec(sql`insert into users (email) values ('dup@x')`)
      const error = await rejection(db.exec(sql`insert into users (email) values ('dup@x')`))
      expect(error).toBeInstanceOf(UniqueViolationError)
      expect(error).toMatchObject({ code: 'UNIQUE_VIOLATION', table: 'users' })
      // PostgreSQL names the constraint; SQLite's message names the column instead.
      if (dialect === 'postgres') expect(error).toMatchObject({ driverCode: '23505', constraint: 'users_email_key' })
      else expect(error).toMatchObject({ driverCode: 'SQLITE_CONSTRAINT_UNIQUE', column: 'email' })
      expect((error as Error).cause).toBeInstanceOf(Error)
    })

    it('a duplicate primary key → UniqueViolationError', async () => {
      const error = await rejection(db.exec(sql`insert into accounts values (1, 'again', 1)`))
      expect(error).toBeInstanceOf(UniqueViolationError)
      expect(error).toMatchObject({ table: 'accounts', driverCode: dialect === 'postgres' ? '23505' : 'SQLITE_CONSTRAINT_PRIMARYKEY' })
    })

    it('errors from session.kysely builder calls, and inside transactions, are mapped too', async () => {
      await db.kysely.insertInto('users').values({ email: 'builder@x' }).execute()
      await expect(db.kysely.insertInto('users').values({ email: 'builder@x' }).execute()).rejects.toBeInstanceOf(UniqueViolationError)
      await expect(db.transaction((tx) => tx.kysely.insertInto('users').values({ email: 'builder@x' }).execute())).rejects.toBeInstanceOf(
        UniqueViolationError,
      )
    })

    it('a reference to a missing row → ForeignKeyViolationError', async () => {
      const error = await rejection(db.exec(sql`insert into orders (user_id) values (999999)`))
      expect(error).toBeInstanceOf(ForeignKeyViolationError)
      expect(error).toMatchObject({ code: 'FOREIGN_KEY_VIOLATION' })
      // SQLite's message ("FOREIGN KEY constraint failed") names neither table nor constraint.
      if (dialect === 'postgres') expect(error).toMatchObject({ driverCode: '23503', constraint: 'orders_user_fk', table: 'orders' })
      else expect(error).toMatchObject({ driverCode: 'SQLITE_CONSTRAINT_FOREIGNKEY' })
    })

    it('a null in a NOT NULL column → NotNullViolationError naming table and column', async () => {
      const error = await rejection(db.exec(sql`insert into accounts (id, email, balance) values (3, null, 1)`))
      expect(error).toBeInstanceOf(NotNullViolationError)
      expect(error).toMatchObject({ code: 'NOT_NULL_VIOLATION', table: 'accounts', column: 'email' })
      expect(error).toMatchObject({ driverCode: dialect === 'postgres' ? '23502' : 'SQLITE_CONSTRAINT_NOTNULL' })
    })

    it('a row failing a named CHECK → CheckViolationError naming the constraint', async () => {
      const error = await rejection(db.exec(sql`update accounts set balance = -1 where id = 1`))
      expect(error).toBeInstanceOf(CheckViolationError)
      expect(error).toMatchObject({ code: 'CHECK_VIOLATION', constraint: 'balance_not_negative' })
      expect(error).toMatchObject({ driverCode: dialect === 'postgres' ? '23514' : 'SQLITE_CONSTRAINT_CHECK' })
    })

    it('a write blocked by a lock another transaction holds → BusyError, a RetryableError; the retry succeeds once it is free', async () => {
      const locked = gate()
      const done = gate()
      const holder = db.transaction(async (tx) => {
        await backend.takeLock(tx)
        locked.open()
        await done.passed
      })
      await locked.passed
      const error = await rejection(backend.blockedWrite(db))
      done.open()
      await holder
      expect(error).toBeInstanceOf(BusyError)
      expect(error).toBeInstanceOf(RetryableError)
      expect(error).toMatchObject({ code: 'BUSY', driverCode: dialect === 'postgres' ? '55P03' : 'SQLITE_BUSY' })
      await backend.blockedWrite(db)
    })

    it('any other database error → LiteormError itself, keeping the database code', async () => {
      const error = await rejection(db.query(sql`select * from no_such_table`))
      expect((error as object).constructor).toBe(LiteormError)
      expect(error).toMatchObject({ code: 'DATABASE', driverCode: dialect === 'postgres' ? '42P01' : 'SQLITE_ERROR' })
      expect((error as Error).message).toContain('no_such_table')
    })
  })

  describe('close', () => {
    it('close() is idempotent and later calls reject with ClosedError', async () => {
      const own = backend.open()
      await own.query(sql`select 1`)
      await Promise.all([own.close(), own.close()])
      await own.close()
      await expect(own.query(sql`select 1`)).rejects.toBeInstanceOf(ClosedError)
      await expect(own.exec(sql`select 1`)).rejects.toBeInstanceOf(ClosedError)
      await expect(own.transaction(async () => 1)).rejects.toBeInstanceOf(ClosedError)
      await expect(backend.notify(own, 'after_close')).rejects.toBeInstanceOf(ClosedError)
      await expect(backend.listen(own, 'after_close')).rejects.toBeInstanceOf(ClosedError)
    })

    it('close() waits for a running transaction, whose further queries reject with ClosedError', async () => {
      const own = backend.open()
      const started = gate()
      const proceed = gate()
      const running = own.transaction(async (tx) => {
        await tx.query(sql`select 1`)
        started.open()
        await proceed.passed
        await tx.query(sql`select 2`)
      })
      await started.passed
      const closing = own.close()
      proceed.open()
      await expect(running).rejects.toBeInstanceOf(ClosedError)
      await closing
    })
  })
}
