import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { ConnectionError, InvalidArgumentError, LiteormError, notify, open, sql, type OpenOptions } from '@liteorm/sqlite'

const dir = mkdtempSync(join(tmpdir(), 'liteorm-sqlite-open-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const pragma = async (db: ReturnType<typeof open>, name: string): Promise<unknown> =>
  Object.values(await db.queryOne(sql<Record<string, unknown>>`select * from ${sql.raw(`pragma_${name}`)}`))[0]

describe('open()', () => {
  it("is synchronous and returns a DB on the 'sqlite' dialect with the file's absolute path", async () => {
    const db = open(join(dir, 'sync.db'))
    expect(db.dialect).toBe('sqlite')
    expect(db.filename).toBe(resolve(dir, 'sync.db'))
    await db.close()
  })

  it('opens a file in WAL mode with foreign keys on and a busy timeout of 5000 ms', async () => {
    const db = open(join(dir, 'settings.db'))
    expect(await pragma(db, 'journal_mode')).toBe('wal')
    expect(await pragma(db, 'foreign_keys')).toBe(1)
    expect(await pragma(db, 'busy_timeout')).toBe(5000)
    await db.close()
  })

  it('takes the busy timeout from busyTimeoutMs', async () => {
    const db = open({ filename: join(dir, 'busy.db'), busyTimeoutMs: 250 })
    expect(await pragma(db, 'busy_timeout')).toBe(250)
    await db.close()
  })

  it(':memory: is an in-memory database of its own, with foreign keys on and no WAL', async () => {
    const a = open(':memory:')
    const b = open(':memory:')
    expect(a.filename).toBe(':memory:')
    expect(await pragma(a, 'journal_mode')).toBe('memory')
    expect(await pragma(a, 'foreign_keys')).toBe(1)
    await a.exec(sql`create table only_in_a (x)`)
    await expect(b.query(sql`select * from only_in_a`)).rejects.toBeInstanceOf(LiteormError)
    await Promise.all([a.close(), b.close()])
  })

  it('readonly: reads work, writes and notify reject with SQLITE_READONLY', async () => {
    const file = join(dir, 'readonly.db')
    const writer = open(file)
    await writer.exec(sql`create table t (x)`)
    await writer.exec(sql`insert into t values (1)`)
    const reader = open({ filename: file, readonly: true })
    expect(await reader.query(sql`select x from t`)).toEqual([{ x: 1 }])
    await expect(reader.exec(sql`insert into t values (2)`)).rejects.toMatchObject({ driverCode: 'SQLITE_READONLY' })
    await expect(notify(reader, 'jobs', 'x')).rejects.toMatchObject({ driverCode: 'SQLITE_READONLY' })
    await Promise.all([reader.close(), writer.close()])
  })

  const bad: [string, unknown][] = [
    ['an empty file name', ''],
    ['a blank file name', '   '],
    ['a number', 42],
    ['null', null],
    ['undefined', undefined],
    ['options without a filename', {}],
    ['a file name with a NUL byte', 'a\0b.db'],
    ['a negative busy timeout', { filename: ':memory:', busyTimeoutMs: -1 }],
    ['a fractional busy timeout', { filename: ':memory:', busyTimeoutMs: 1.5 }],
    ['a zero retention', { filename: ':memory:', notificationRetentionMs: 0 }],
    ['readonly that is not a boolean', { filename: 'x.db', readonly: 'yes' }],
    ['readonly on :memory:', { filename: ':memory:', readonly: true }],
    ['fileMustExist on :memory:', { filename: ':memory:', fileMustExist: true }],
  ]
  it.each(bad)('throws InvalidArgumentError, synchronously, for %s', (_, argument) => {
    expect(() => open(argument as OpenOptions)).toThrow(InvalidArgumentError)
  })

  it('the message says what was wrong and what to pass', () => {
    expect(() => open('')).toThrow(/file name such as 'app.db', or ':memory:'/)
    expect(() => open({ filename: ':memory:', busyTimeoutMs: -1 })).toThrow(/busyTimeoutMs must be a whole number of milliseconds/)
  })

  it('throws ConnectionError when the directory does not exist', () => {
    expect(() => open(join(dir, 'no', 'such', 'dir', 'x.db'))).toThrow(ConnectionError)
  })

  it('throws ConnectionError (SQLITE_CANTOPEN) for a directory, and with fileMustExist for a missing file', () => {
    expect(() => open(dir)).toThrow(expect.objectContaining({ name: 'ConnectionError', driverCode: 'SQLITE_CANTOPEN' }))
    expect(() => open({ filename: join(dir, 'missing.db'), fileMustExist: true })).toThrow(ConnectionError)
  })

  it('throws ConnectionError (SQLITE_NOTADB) for a file that is not an SQLite database, naming the file', () => {
    const file = join(dir, 'not-a-database.db')
    writeFileSync(file, 'this is plain text, not an SQLite database. '.repeat(100))
    let error: unknown
    try {
      open(file)
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(ConnectionError)
    expect(error).toMatchObject({ driverCode: 'SQLITE_NOTADB' })
    expect((error as Error).message).toContain(file)
  })
})
