import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Generated } from 'kysely'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { copyFrom, InvalidArgumentError, open, sql, UniqueViolationError, type SqliteDB } from '@liteorm/sqlite'

interface Schema {
  people: { id: Generated<number>; name: string; born: string | Date | null }
}

const dir = mkdtempSync(join(tmpdir(), 'liteorm-sqlite-copy-'))
let db: SqliteDB<Schema>
beforeAll(async () => {
  db = open<Schema>(join(dir, 'copy.db'))
  await db.exec(sql`create table people (id integer primary key, name text not null, born text)`)
})
afterAll(async () => {
  await db.close()
  rmSync(dir, { recursive: true, force: true })
})
beforeEach(async () => {
  await db.exec(sql`delete from people`)
})

const count = async (): Promise<number> => (await db.queryOne(sql<{ n: number }>`select count(*) as n from people`)).n

// The dialect-neutral behaviour is pinned by test/contract on both backends;
// these tests pin what is SQLite's own.
describe('copyFrom on SQLite', () => {
  it('checks table, column names and object-row values against the Kysely schema at compile time', async () => {
    expect(await copyFrom(db, 'people', ['name', 'born'], [{ name: 'Ada', born: new Date('1815-12-10T00:00:00Z') }])).toEqual({ rowsAffected: 1 })
    // @ts-expect-error: no such table in the schema
    await expect(copyFrom(db, 'persons', ['name'], [['x']])).rejects.toMatchObject({ driverCode: 'SQLITE_ERROR' })
    // @ts-expect-error: no such column in people
    await expect(copyFrom(db, 'people', ['nmae'], [['x']])).rejects.toMatchObject({ driverCode: 'SQLITE_ERROR' })
    // @ts-expect-error: name takes a string
    await expect(copyFrom(db, 'people', ['name'], [{ name: 42 }])).resolves.toEqual({ rowsAffected: 1 })
  })

  it("a Date is stored as ISO 8601 text in UTC, which SQLite's date functions read", async () => {
    await copyFrom(db, 'people', ['name', 'born'], [['Ada', new Date('1815-12-10T06:30:00.000Z')]])
    expect(await db.queryOne(sql`select born, datetime(born) as dt from people`)).toEqual({
      born: '1815-12-10T06:30:00.000Z',
      dt: '1815-12-10 06:30:00',
    })
  })

  it('a failed load rolls back its savepoint only: the caller’s transaction goes on and commits', async () => {
    await db.transaction(async (tx) => {
      await copyFrom(tx, 'people', ['id', 'name'], [[1, 'kept']])
      await expect(copyFrom(tx, 'people', ['id', 'name'], [[2, 'rolled back'], [1, 'duplicate']])).rejects.toBeInstanceOf(UniqueViolationError)
      await copyFrom(tx, 'people', ['id', 'name'], [[3, 'after']])
    })
    expect(await db.query(sql`select id from people order by id`)).toEqual([{ id: 1 }, { id: 3 }])
  })

  it('on the DB from inside one of its own transactions, rejects with InvalidArgumentError instead of waiting forever', async () => {
    await db.transaction(async () => {
      await expect(copyFrom(db, 'people', ['name'], [['x']])).rejects.toBeInstanceOf(InvalidArgumentError)
    })
    expect(await count()).toBe(0)
  })

  it('aborted while a transaction holds the connection: rejects with the reason once it is free, and writes nothing', async () => {
    let holding!: () => void
    let release!: () => void
    const held = new Promise<void>((resolve) => (holding = resolve))
    const transaction = db.transaction(() => {
      holding()
      return new Promise<void>((resolve) => (release = resolve))
    })
    await held
    const controller = new AbortController()
    const copying = copyFrom(db, 'people', ['name'], [['x']], { signal: controller.signal }).catch((e: unknown) => e)
    controller.abort()
    release()
    await transaction
    expect(await copying).toMatchObject({ name: 'AbortError' })
    expect(await count()).toBe(0)
  })

  it('a synchronous source gives the event loop a turn every 16 000 rows: an abort scheduled mid-load stops it', async () => {
    const controller = new AbortController()
    function* rows(): Generator<[string]> {
      for (let i = 0; i < 50_000; i++) {
        if (i === 1500) setImmediate(() => controller.abort())
        yield [`row ${i}`]
      }
    }
    await expect(copyFrom(db, 'people', ['name'], rows(), { signal: controller.signal })).rejects.toMatchObject({ name: 'AbortError' })
    expect(await count()).toBe(0)
  })
})
