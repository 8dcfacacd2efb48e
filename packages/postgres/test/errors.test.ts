import type { Generated } from 'kysely'
import { inspect } from 'node:util'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  BusyError,
  CheckViolationError,
  ConnectionError,
  DeadlockError,
  ForeignKeyViolationError,
  LiteormError,
  NotNullViolationError,
  QueryCanceledError,
  RetryableError,
  SerializationFailureError,
  UniqueViolationError,
  open,
  sql,
  type PostgresDB,
  type Session,
} from '@liteorm/postgres'
import { freePort } from '@liteorm/testing'
import { useDatabase } from '@liteorm/testing/vitest'

const pgEscape = { identifier: pg.escapeIdentifier, literal: pg.escapeLiteral }

interface Schema {
  users: { id: Generated<number>; email: string | null }
}

let url: string
let db: PostgresDB<Schema>
beforeAll(async () => {
  url = await useDatabase('errors')
  db = open<Schema>(url)
  await db.exec(sql`create table users (id serial primary key, email text unique)`)
  await db.exec(sql`create table accounts (id int primary key, email text not null, balance int not null constraint balance_not_negative check (balance >= 0))`)
  await db.exec(sql`create table orders (id serial primary key, user_id int not null constraint orders_user_fk references users (id))`)
  await db.exec(sql`insert into accounts values (1, 'a', 10), (2, 'b', 10)`)
})
afterAll(() => db.close())

/** Runs two transactions side by side, each step of one after the matching step of the other. */
function gate(): { open: () => void; passed: Promise<void> } {
  let open!: () => void
  const passed = new Promise<void>((resolve) => (open = resolve))
  return { open, passed }
}

describe('PostgreSQL errors are mapped into liteorm classes, provoked for real', () => {
  it('23505 unique violation → UniqueViolationError with constraint and table', async () => {
    await db.exec(sql`insert into users (email) values ('dup@x')`)
    const error = await db.exec(sql`insert into users (email) values ('dup@x')`).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(UniqueViolationError)
    expect(error).toMatchObject({ code: 'UNIQUE_VIOLATION', driverCode: '23505', constraint: 'users_email_key', table: 'users' })
    expect((error as Error).cause).toMatchObject({ code: '23505' })
  })

  it('errors from session.kysely builder calls are mapped too', async () => {
    await db.kysely.insertInto('users').values({ email: 'builder@x' }).execute()
    await expect(db.kysely.insertInto('users').values({ email: 'builder@x' }).execute()).rejects.toBeInstanceOf(UniqueViolationError)
  })

  it('23503 foreign key violation → ForeignKeyViolationError', async () => {
    const error = await db.exec(sql`insert into orders (user_id) values (999999)`).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ForeignKeyViolationError)
    expect(error).toMatchObject({ driverCode: '23503', constraint: 'orders_user_fk', table: 'orders' })
  })

  it('23502 not null violation → NotNullViolationError naming the column', async () => {
    const error = await db.exec(sql`insert into accounts (id, email, balance) values (3, null, 1)`).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(NotNullViolationError)
    expect(error).toMatchObject({ driverCode: '23502', table: 'accounts', column: 'email' })
  })

  it('23514 check violation → CheckViolationError naming the constraint', async () => {
    const error = await db.exec(sql`update accounts set balance = -1 where id = 1`).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(CheckViolationError)
    expect(error).toMatchObject({ driverCode: '23514', constraint: 'balance_not_negative', table: 'accounts' })
  })

  it('40001 serialization failure → SerializationFailureError, a RetryableError', async () => {
    const bothRead = [gate(), gate()]
    const attempt = (i: 0 | 1): Promise<unknown> =>
      db.transaction(
        async (tx) => {
          await tx.query(sql`select sum(balance) from accounts`)
          bothRead[i]!.open()
          await Promise.all(bothRead.map((g) => g.passed))
          await tx.exec(sql`update accounts set balance = balance + 1 where id = ${i + 1}`)
        },
        { isolationLevel: 'serializable' },
      )
    const results = await Promise.allSettled([attempt(0), attempt(1)])
    const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as unknown)
    expect(failures).toHaveLength(1)
    expect(failures[0]).toBeInstanceOf(SerializationFailureError)
    expect(failures[0]).toBeInstanceOf(RetryableError)
    expect(failures[0]).toMatchObject({ driverCode: '40001' })
  })

  it('40P01 deadlock → DeadlockError', async () => {
    const bothLocked = [gate(), gate()]
    const attempt = (first: number, second: number, i: 0 | 1): Promise<unknown> =>
      db.transaction(async (tx) => {
        await tx.exec(sql`update accounts set balance = balance where id = ${first}`)
        bothLocked[i]!.open()
        await Promise.all(bothLocked.map((g) => g.passed))
        await tx.exec(sql`update accounts set balance = balance where id = ${second}`)
      })
    const results = await Promise.allSettled([attempt(1, 2, 0), attempt(2, 1, 1)])
    const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as unknown)
    expect(failures).toHaveLength(1)
    expect(failures[0]).toBeInstanceOf(DeadlockError)
    expect(failures[0]).toMatchObject({ driverCode: '40P01' })
  })

  it('57014 statement timeout → QueryCanceledError', async () => {
    const error = await db
      .transaction(async (tx) => {
        await tx.exec(sql`set local statement_timeout = 50`)
        await tx.exec(sql`select pg_sleep(2)`)
      })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(QueryCanceledError)
    expect(error).toMatchObject({ code: 'QUERY_CANCELED', driverCode: '57014' })
  })

  it('55P03 lock not available (NOWAIT) → BusyError', async () => {
    const locked = gate()
    const done = gate()
    const holder = db.transaction(async (tx) => {
      await tx.exec(sql`select * from accounts where id = 1 for update`)
      locked.open()
      await done.passed
    })
    await locked.passed
    const error = await db.exec(sql`select * from accounts where id = 1 for update nowait`).catch((e: unknown) => e)
    done.open()
    await holder
    expect(error).toBeInstanceOf(BusyError)
    expect(error).toMatchObject({ driverCode: '55P03' })
  })

  it('a backend terminated mid-query (57P01) → ConnectionError', async () => {
    const error = await db
      .transaction(async (tx: Session<Schema>) => {
        const { pid } = await tx.queryOne(sql<{ pid: number }>`select pg_backend_pid() as pid`)
        const sleeping = tx.exec(sql`select pg_sleep(5)`).then(
          () => undefined,
          (e: unknown) => e,
        )
        await new Promise((r) => setTimeout(r, 100))
        await db.exec(sql`select pg_terminate_backend(${pid})`)
        throw await sleeping
      })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ConnectionError)
    expect(await db.queryOne(sql<{ ok: number }>`select 1 as ok`)).toEqual({ ok: 1 })
  })

  it('a refused connection → ConnectionError whose message names the server', async () => {
    const port = await freePort()
    const refused = open(`postgres://app:TopSecret%21pw@127.0.0.1:${port}/app`)
    const error = await refused.query(sql`select 1`).catch((e: unknown) => e)
    await refused.close()
    expect(error).toBeInstanceOf(ConnectionError)
    expect((error as Error).message).toContain(`127.0.0.1:${port}`)
  })

  it('any other database error → LiteormError keeping the SQLSTATE', async () => {
    const error = await db.query(sql`select 1/0`).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(LiteormError)
    expect((error as object).constructor).toBe(LiteormError)
    expect(error).toMatchObject({ code: 'DATABASE', driverCode: '22012', message: 'division by zero' })
  })
})

describe('a DSN password never shows in a mapped error', () => {
  // A role of our own whose password has characters that URL-encoding changes,
  // so that both forms can be checked, and that the server can be made to echo.
  const password = 'pä ss%/w0rd'
  const forms = [password, encodeURIComponent(password)]
  let roleUrl: (database?: string) => string
  beforeAll(async () => {
    const role = `redact_${Math.random().toString(36).slice(2, 10)}`
    await db.exec(sql.raw(`create role ${pgEscape.identifier(role)} login password ${pgEscape.literal(password)}`))
    const { host, pathname } = new URL(url)
    roleUrl = (database = pathname.slice(1)) => `postgres://${role}:${encodeURIComponent(password)}@${host}/${encodeURIComponent(database)}`
  })

  function expectRedacted(error: unknown): void {
    expect(error).toBeInstanceOf(LiteormError)
    const shown = [(error as Error).message, String((error as Error).stack), inspect(error, { depth: 5 })]
    for (const text of shown) for (const form of forms) expect(text).not.toContain(form)
    expect((error as Error).message).toContain('***')
  }

  it.each(forms.map((form, i) => [['raw', 'URL-encoded'][i]!, form]))('a driver error whose text holds the password (%s) has *** in its place, in message, stack and cause', async (_, form) => {
    const byRole = open(roleUrl())
    try {
      const error = await byRole.query(sql`select ${form}::int`).catch((e: unknown) => e)
      expectRedacted(error)
      expect((error as Error).message).toMatch(/invalid input syntax for type integer/)
    } finally {
      await byRole.close()
    }
  })

  it('a connection error naming a database that holds the password → ConnectionError with *** in its place', async () => {
    const missing = open(roleUrl(`no_such_db_${password}`))
    const error = await missing.query(sql`select 1`).catch((e: unknown) => e)
    await missing.close()
    expect(error).toBeInstanceOf(ConnectionError)
    expectRedacted(error)
    expect((error as Error).message).toContain('no_such_db_***')
  })
})
