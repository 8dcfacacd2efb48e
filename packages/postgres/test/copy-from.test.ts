import type { Generated } from 'kysely'
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import { copyFrom, LiteormError, open, pool, sql, UniqueViolationError, type PostgresDB } from '@liteorm/postgres'
import { useDatabase } from '@liteorm/testing/vitest'

interface Stamps {
  id: number
  tz: Date
  local: Date
}

interface Schema {
  people: { id: Generated<number>; name: string; born: Date | null }
  nums: { id: number }
  scratch: { line: string }
  stamps_local: Stamps
  stamps_old: Stamps
  arrays: { t: (string | null)[]; grid: number[][]; flags: (boolean | null)[]; blobs: Buffer[]; docs: unknown[]; at: Date[] }
  floats: { id: number; f: number }
  'Audit.events': { id: number }
}

let url: string
let db: PostgresDB<Schema>
beforeAll(async () => {
  url = await useDatabase('copy_from')
  db = open<Schema>(url)
  await db.exec(sql`create table people (id serial primary key, name text not null, born timestamptz)`)
  await db.exec(sql`create table nums (id int primary key)`)
})
afterAll(() => db.close())

/** Runs the rest of the test with the process in time zone `zone`. */
function inZone(zone: string): void {
  const before = process.env.TZ
  process.env.TZ = zone
  onTestFinished(() => {
    if (before === undefined) delete process.env.TZ
    else process.env.TZ = before
  })
}

/** Loads `dates` into a timestamptz and a timestamp column, and checks each equals the same Date bound as a parameter. */
async function expectStoredAsBound(table: 'stamps_local' | 'stamps_old', dates: Date[]): Promise<void> {
  await db.exec(sql`create table ${sql.id(table)} (id int, tz timestamptz, local timestamp)`)
  await copyFrom(db, table, ['id', 'tz', 'local'], dates.map((d, i) => [i, d, d]))
  for (const [i, d] of dates.entries()) {
    const same = await db.queryOne(sql<{ tz: boolean; local: boolean }>`select tz = ${d} as tz, local = ${d}::timestamp as local from ${sql.id(table)} where id = ${i}`)
    expect(same, d.toISOString()).toEqual({ tz: true, local: true })
  }
}

const many = (n: number): number[][] => Array.from({ length: n }, (_, i) => [i])

// The dialect-neutral behaviour is pinned by test/contract on both backends;
// these tests pin what is PostgreSQL's own.
describe('copyFrom on PostgreSQL', () => {
  it('checks table, column names and object-row values against the Kysely schema at compile time', async () => {
    expect(await copyFrom(db, 'people', ['name', 'born'], [{ name: 'Ada', born: new Date('1815-12-10T00:00:00Z') }])).toEqual({ rowsAffected: 1 })
    // @ts-expect-error: no such table in the schema
    await expect(copyFrom(db, 'persons', ['name'], [['x']])).rejects.toMatchObject({ driverCode: '42P01' })
    // @ts-expect-error: no such column in people
    await expect(copyFrom(db, 'people', ['nmae'], [['x']])).rejects.toMatchObject({ driverCode: '42703' })
    // @ts-expect-error: name takes a string
    await expect(copyFrom(db, 'people', ['name'], [{ name: 42 }])).resolves.toEqual({ rowsAffected: 1 })
  })

  it('runs on the transaction’s own connection: a temporary table made in it is there', async () => {
    await db.transaction(async (tx) => {
      await tx.exec(sql`create temporary table scratch (line text) on commit drop`)
      expect(await copyFrom(tx, 'scratch', ['line'], [['a'], ['b']])).toEqual({ rowsAffected: 2 })
      expect(await tx.queryOne(sql<{ n: number }>`select count(*)::int as n from scratch`)).toEqual({ n: 2 })
    })
  })

  it('a failed load fails the transaction it runs in, as any failed statement does', async () => {
    const error = await db
      .transaction(async (tx) => {
        await copyFrom(tx, 'nums', ['id'], [[1], [1]]).catch(() => undefined)
        await tx.exec(sql`select 1`)
      })
      .catch((e: unknown) => e)
    expect(error).toMatchObject({ driverCode: '25P02' })
    expect(await db.query(sql`select id from nums`)).toEqual([])
  })

  it('with a pool of one connection, the connection is usable after an abort and after a failed load', async () => {
    const one = open({ connectionString: url, max: 1 })
    try {
      const controller = new AbortController()
      async function* rows(): AsyncGenerator<number[]> {
        yield* many(5000)
        controller.abort()
        await new Promise(() => {})
      }
      await expect(copyFrom(one, 'nums', ['id'], rows(), { signal: controller.signal })).rejects.toMatchObject({ name: 'AbortError' })
      expect(await one.queryOne(sql`select count(*)::int as n from nums`)).toEqual({ n: 0 })
      await expect(copyFrom(one, 'nums', ['id'], [[5], [5]])).rejects.toBeInstanceOf(UniqueViolationError)
      expect(await copyFrom(one, 'nums', ['id'], many(3))).toEqual({ rowsAffected: 3 })
      expect(pool(one)!.totalCount).toBe(1)
    } finally {
      await one.close()
      await db.exec(sql`delete from nums`)
    }
  })

  it('aborted while waiting for a pooled connection: rejects with the reason once one is free, and sends nothing', async () => {
    const one = open({ connectionString: url, max: 1 })
    try {
      const controller = new AbortController()
      let copying: Promise<unknown> | undefined
      await one.transaction(async () => {
        copying = copyFrom(one, 'nums', ['id'], [[1]], { signal: controller.signal }).catch((e: unknown) => e)
        controller.abort()
      })
      expect(await copying).toMatchObject({ name: 'AbortError' })
      expect(await one.query(sql`select id from nums`)).toEqual([])
    } finally {
      await one.close()
    }
  })

  it('a Date goes to timestamptz as the instant, and to timestamp as node-postgres binds it, in a zone with a half-hour offset', async () => {
    inZone('America/St_Johns') // -03:30, -02:30 in summer: the offset is written, not assumed to be UTC
    expect(new Date('2024-01-01T00:00:00Z').getTimezoneOffset()).toBe(210)
    await expectStoredAsBound('stamps_local', [new Date('2024-03-31T01:30:00.250Z'), new Date('2024-07-01T12:00:00Z'), new Date('1969-07-20T20:17:40Z')])
  })

  it('a Date of year 44 or before year 1 (BC) is stored as node-postgres binds it', async () => {
    inZone('UTC')
    await expectStoredAsBound('stamps_old', [new Date('0044-03-15T12:00:00Z'), new Date(Date.UTC(-300, 0, 1)), new Date('+012345-01-01T00:00:00Z')])
  })

  it('arrays round-trip as PostgreSQL arrays (text with quotes, commas, braces, backslashes and NULL; nested; bytea; jsonb), a JSON array as its JSON text', async () => {
    await db.exec(sql`create table arrays (t text[], grid int[][], flags boolean[], blobs bytea[], docs jsonb[], at timestamptz[])`)
    const texts = ['a"b', 'c,d', '{e}', 'f\\g', 'tab\tnew\nline', '', 'NULL', null, 'ü 🚀']
    const row = [texts, [[1, 2], [3, 4]], [true, false, null], [Buffer.from([0, 255])], [{ a: 'x"\\' }, JSON.stringify([1])], [new Date('2020-01-01T00:00:00Z')]]
    await copyFrom(db, 'arrays', ['t', 'grid', 'flags', 'blobs', 'docs', 'at'], [row])
    const back = await db.queryOne(sql`select t, grid, flags, blobs, docs, at from arrays`)
    expect(back).toEqual({ t: texts, grid: [[1, 2], [3, 4]], flags: [true, false, null], blobs: [Buffer.from([0, 255])], docs: [{ a: 'x"\\' }, [1]], at: [row[5]![0]] })
  })

  it('NaN and ±Infinity reach a float column', async () => {
    await db.exec(sql`create table floats (id int, f float8)`)
    await copyFrom(db, 'floats', ['id', 'f'], [[1, Number.NaN], [2, Infinity], [3, -Infinity]])
    expect((await db.query(sql<{ f: number }>`select f from floats order by id`)).map((r) => r.f)).toEqual([Number.NaN, Infinity, -Infinity])
  })

  it('a schema-qualified table name is schema.table, each part quoted', async () => {
    await db.exec(sql`create schema "Audit"; create table "Audit".events (id int)`)
    expect(await copyFrom(db, 'Audit.events', ['id'], [[1]])).toEqual({ rowsAffected: 1 })
  })

  it('a value PostgreSQL refuses (a NUL in text) rejects with its SQLSTATE, and nothing is loaded', async () => {
    const error = await copyFrom(db, 'nums', ['id'], [[1], ['two']]).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(LiteormError)
    expect(error).toMatchObject({ driverCode: '22P02' })
    await expect(copyFrom(db, 'people', ['name'], [['nul\0byte']])).rejects.toMatchObject({ driverCode: '22021' })
    expect(await db.query(sql`select id from nums`)).toEqual([])
  })
})
