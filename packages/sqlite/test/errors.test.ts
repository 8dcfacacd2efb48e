import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  BusyError,
  CheckViolationError,
  ConnectionError,
  ConstraintViolationError,
  ForeignKeyViolationError,
  LiteormError,
  NotNullViolationError,
  UniqueViolationError,
  open,
  sql,
  type SqliteDB,
} from '@liteorm/sqlite'
import { parseConstraintMessage } from '../src/constraint-message.js'
import { createSqliteErrorMapper } from '../src/sqlite-error-mapper.js'

let db: SqliteDB<unknown>
beforeAll(async () => {
  db = open(':memory:')
  await db.exec(sql`create table users (id integer primary key, email text unique, a int, b int, unique (a, b))`)
  await db.exec(sql`create table handles (name text)`)
  await db.exec(sql`create unique index handles_lower_name on handles (lower(name))`)
  await db.exec(sql`insert into handles values ('Ada')`)
  await db.exec(sql`create table orders (id integer primary key, user_id int not null references users (id))`)
  await db.exec(sql`create table items (qty int check (qty > 0), price int constraint price_positive check (price > 0))`)
  await db.exec(sql`insert into users (id, email, a, b) values (1, 'taken@x', 1, 1)`)
})
afterAll(() => db.close())

const failure = (q: Promise<unknown>): Promise<unknown> => q.then(() => Promise.reject(new Error('expected a rejection')), (e: unknown) => e)

describe('SQLite errors are mapped into liteorm classes, provoked for real', () => {
  it('SQLITE_CONSTRAINT_UNIQUE on one column → UniqueViolationError with table and column', async () => {
    const error = await failure(db.exec(sql`insert into users (email) values ('taken@x')`))
    expect(error).toBeInstanceOf(UniqueViolationError)
    expect(error).toMatchObject({ code: 'UNIQUE_VIOLATION', driverCode: 'SQLITE_CONSTRAINT_UNIQUE', table: 'users', column: 'email', constraint: undefined })
    expect((error as Error).cause).toBeInstanceOf(Database.SqliteError)
  })

  it('a unique constraint on several columns → UniqueViolationError with the table only', async () => {
    const error = await failure(db.exec(sql`insert into users (email, a, b) values ('other@x', 1, 1)`))
    expect(error).toBeInstanceOf(UniqueViolationError)
    expect(error).toMatchObject({ table: 'users', column: undefined })
  })

  it('a unique index on an expression → UniqueViolationError naming the index as constraint', async () => {
    const error = await failure(db.exec(sql`insert into handles values ('ADA')`))
    expect(error).toBeInstanceOf(UniqueViolationError)
    expect(error).toMatchObject({ constraint: 'handles_lower_name', table: undefined })
  })

  it('SQLITE_CONSTRAINT_PRIMARYKEY → UniqueViolationError', async () => {
    const error = await failure(db.exec(sql`insert into users (id) values (1)`))
    expect(error).toBeInstanceOf(UniqueViolationError)
    expect(error).toMatchObject({ driverCode: 'SQLITE_CONSTRAINT_PRIMARYKEY', table: 'users', column: 'id' })
  })

  it('SQLITE_CONSTRAINT_FOREIGNKEY → ForeignKeyViolationError (foreign keys are on)', async () => {
    const error = await failure(db.exec(sql`insert into orders (user_id) values (404)`))
    expect(error).toBeInstanceOf(ForeignKeyViolationError)
    expect(error).toMatchObject({ code: 'FOREIGN_KEY_VIOLATION', driverCode: 'SQLITE_CONSTRAINT_FOREIGNKEY' })
  })

  it('SQLITE_CONSTRAINT_NOTNULL → NotNullViolationError with table and column', async () => {
    const error = await failure(db.exec(sql`insert into orders (user_id) values (null)`))
    expect(error).toBeInstanceOf(NotNullViolationError)
    expect(error).toMatchObject({ driverCode: 'SQLITE_CONSTRAINT_NOTNULL', table: 'orders', column: 'user_id' })
  })

  it('SQLITE_CONSTRAINT_CHECK → CheckViolationError, naming a named constraint and not an expression', async () => {
    const named = await failure(db.exec(sql`insert into items (qty, price) values (1, 0)`))
    expect(named).toBeInstanceOf(CheckViolationError)
    expect(named).toMatchObject({ driverCode: 'SQLITE_CONSTRAINT_CHECK', constraint: 'price_positive' })
    const unnamed = await failure(db.exec(sql`insert into items (qty, price) values (0, 1)`))
    expect(unnamed).toBeInstanceOf(CheckViolationError)
    expect(unnamed).toMatchObject({ constraint: undefined })
    expect((unnamed as Error).message).toContain('qty > 0')
  })

  it('another constraint (a trigger raising ABORT) → ConstraintViolationError keeping the code', async () => {
    await db.exec(sql`create trigger no_deletes before delete on users begin select raise(abort, 'users are never deleted'); end`)
    const error = await failure(db.exec(sql`delete from users`))
    expect((error as object).constructor).toBe(ConstraintViolationError)
    expect(error).toMatchObject({ driverCode: 'SQLITE_CONSTRAINT_TRIGGER', message: 'users are never deleted' })
  })

  it('a syntax error → LiteormError with SQLITE_ERROR', async () => {
    const error = await failure(db.query(sql`selec 1`))
    expect((error as object).constructor).toBe(LiteormError)
    expect(error).toMatchObject({ code: 'DATABASE', driverCode: 'SQLITE_ERROR' })
  })

  it('SQLITE_LOCKED (a table dropped while a statement reads it, on one connection) → BusyError', () => {
    const raw = new Database(':memory:')
    raw.unsafeMode(true)
    raw.exec('create table t (x); insert into t values (1), (2)')
    const reading = raw.prepare('select x from t').iterate()
    reading.next()
    let locked: unknown
    try {
      raw.exec('drop table t')
    } catch (error) {
      locked = error
    }
    reading.return?.()
    raw.close()
    expect(locked).toMatchObject({ code: 'SQLITE_LOCKED' })
    const mapped = createSqliteErrorMapper(':memory:', 5000)(locked, 'query')
    expect(mapped).toBeInstanceOf(BusyError)
    expect(mapped).toMatchObject({ code: 'BUSY', driverCode: 'SQLITE_LOCKED', cause: locked })
  })

  it('errors raised while opening → ConnectionError; errors already mapped pass through unchanged', () => {
    const mapError = createSqliteErrorMapper('/data/app.db', 5000)
    const raw = new TypeError('Cannot open database because the directory does not exist')
    const mapped = mapError(raw, 'connect')
    expect(mapped).toBeInstanceOf(ConnectionError)
    expect(mapped.message).toContain('/data/app.db')
    expect(mapError(mapped, 'query')).toBe(mapped)
  })
})

describe('reading SQLite constraint messages', () => {
  it.each([
    ['UNIQUE constraint failed: users.email', { table: 'users', column: 'email' }],
    ['UNIQUE constraint failed: t.a, t.b', { table: 't' }],
    ["UNIQUE constraint failed: index 'ix_lower'", { constraint: 'ix_lower' }],
    ['NOT NULL constraint failed: orders.user_id', { table: 'orders', column: 'user_id' }],
    ['CHECK constraint failed: price_positive', { constraint: 'price_positive' }],
    ['CHECK constraint failed: qty > 0', {}],
    ['FOREIGN KEY constraint failed', {}],
    ['something else entirely', {}],
  ])('%s → %o', (message, expected) => {
    expect(parseConstraintMessage(message)).toEqual(expected)
  })
})
