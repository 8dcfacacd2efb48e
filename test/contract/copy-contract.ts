import { Readable } from 'node:stream'
import { beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { ClosedError, InvalidArgumentError, UniqueViolationError, sql, type DB, type Session } from '@liteorm/core'
import { rejection, type Backend } from './backends.js'

/** Strings that COPY's text format gives a meaning to, or that are easy to get wrong. */
const TRICKY_TEXT = [
  'plain',
  'tab\there',
  'new\nline',
  'cr\rand crlf\r\n',
  'back\\slash',
  '\\.',
  'before\n\\.\nafter',
  '\\N',
  'trailing backslash\\',
  '',
  '"quoted", with comma; {braces}',
  'naïve café 日本語 🚀',
]

/** More rows than one batch: loads cross batch boundaries. */
const MANY = 2500

/**
 * The copyFrom contract: the same bulk-load tests on every backend. Call
 * inside a `describe` whose `beforeAll` has run `backend.prepare()`.
 */
export function copyContract(backend: Backend): void {
  const { dialect, copyTypes: types } = backend
  let db: DB
  const count = async (s: Session = db): Promise<number> =>
    (await s.queryOne(sql<{ n: number }>`select cast(count(*) as integer) as n from copy_target`)).n

  beforeAll(async () => {
    db = backend.open()
    await db.exec(sql`create table copy_target (id int primary key, name text)`)
    await db.exec(
      sql.raw(
        `create table copy_values (id int primary key, txt text, num double precision, big bigint, flag ${types.boolean}, ` +
          `at ${types.timestamp}, bytes ${types.bytes}, doc ${types.json}, ints ${types.intArray})`,
      ),
    )
    await db.exec(sql`create table "Copy ""Quoted"" Table" ("select" int, "Mixed Case" text)`)
    return () => db.close()
  })
  beforeEach(async () => {
    await db.exec(sql`delete from copy_target`)
  })

  describe('copyFrom', () => {
    it('loads an array of value arrays and reports rowsAffected', async () => {
      expect(await backend.copyFrom(db, 'copy_target', ['id', 'name'], [[1, 'a'], [2, 'b'], [3, null]])).toEqual({ rowsAffected: 3 })
      expect(await db.query(sql`select id, name from copy_target order by id`)).toEqual([
        { id: 1, name: 'a' },
        { id: 2, name: 'b' },
        { id: 3, name: null },
      ])
    })

    it('loads objects keyed by column, whatever the key order', async () => {
      const rows = [{ id: 1, name: 'x' }, { name: 'y', id: 2 }]
      expect(await backend.copyFrom(db, 'copy_target', ['id', 'name'], rows)).toEqual({ rowsAffected: 2 })
      expect(await db.query(sql`select name from copy_target order by id`)).toEqual([{ name: 'x' }, { name: 'y' }])
    })

    it('loads a generator and an async generator of more rows than one batch, and an object-mode stream', async () => {
      function* sync(): Generator<[number, string]> {
        for (let i = 0; i < MANY; i++) yield [i, `s${i}`]
      }
      async function* later(): AsyncGenerator<{ id: number; name: string }> {
        for (let i = MANY; i < 2 * MANY; i++) {
          if (i % 500 === 0) await new Promise((resolve) => setTimeout(resolve, 1))
          yield { id: i, name: `a${i}` }
        }
      }
      expect(await backend.copyFrom(db, 'copy_target', ['id', 'name'], sync())).toEqual({ rowsAffected: MANY })
      expect(await backend.copyFrom(db, 'copy_target', ['id', 'name'], later())).toEqual({ rowsAffected: MANY })
      const stream = Readable.from([[-1, 'from a stream'], [-2, 'in object mode']])
      expect(await backend.copyFrom(db, 'copy_target', ['id', 'name'], stream)).toEqual({ rowsAffected: 2 })
      expect(await count()).toBe(2 * MANY + 2)
      expect(await db.queryOne(sql`select name from copy_target where id = ${2 * MANY - 1}`)).toEqual({ name: `a${2 * MANY - 1}` })
    })

    it('an empty source loads nothing and reports 0 rows', async () => {
      expect(await backend.copyFrom(db, 'copy_target', ['id'], [])).toEqual({ rowsAffected: 0 })
    })

    it('round-trips text holding tabs, newlines, CR, backslashes, \\. and unicode, and tells "" from null', async () => {
      const rows = [...TRICKY_TEXT.map((text, i) => [i, text]), [TRICKY_TEXT.length, null]]
      await backend.copyFrom(db, 'copy_target', ['id', 'name'], rows)
      const back = await db.query(sql<{ name: string | null }>`select name from copy_target order by id`)
      expect(back.map((r) => r.name)).toEqual([...TRICKY_TEXT, null])
    })

    it('round-trips numbers, bigints, booleans, dates, bytes, JSON and arrays', async () => {
      const at = new Date('2024-02-29T23:59:58.123Z')
      const doc = { s: 'tab\t"quote"\\ \n', n: 1.5, list: [1, null, 'x'], nested: { ok: true } }
      const big = 2n ** 62n + 1n
      const rows = [
        [1, 'all kinds', -12.25, big, true, at, Buffer.from([0, 1, 0xfe, 0xff, 0x5c, 0x0a]), doc, [1, 2, 3]],
        [2, null, 3, -1n, false, null, new Uint8Array([9, 8]), JSON.stringify([{ a: 1 }]), []],
        [3, null, null, null, null, null, null, null, null],
      ]
      const columns = ['id', 'txt', 'num', 'big', 'flag', 'at', 'bytes', 'doc', 'ints']
      expect(await backend.copyFrom(db, 'copy_values', columns, rows)).toEqual({ rowsAffected: 3 })
      const back = await db.query(
        sql<Record<string, unknown>>`select id, num, cast(big as text) as big, flag, at, bytes, doc, ints from copy_values order by id`,
      )
      const pg = dialect === 'postgres'
      // SQLite has no boolean, date, JSON nor array type: copyFrom stores 1/0, ISO 8601 text and JSON text.
      expect(back[0]).toEqual({
        id: 1,
        num: -12.25,
        big: String(big),
        flag: pg ? true : 1,
        at: pg ? at : at.toISOString(),
        bytes: Buffer.from([0, 1, 0xfe, 0xff, 0x5c, 0x0a]),
        doc: pg ? doc : JSON.stringify(doc),
        ints: pg ? [1, 2, 3] : '[1,2,3]',
      })
      // A JS array is a PostgreSQL array (an empty one too); a JSON array goes to jsonb as JSON text.
      expect(back[1]).toMatchObject({ num: 3, big: '-1', flag: pg ? false : 0, bytes: Buffer.from([9, 8]), ints: pg ? [] : '[]' })
      expect(back[1]!.doc).toEqual(pg ? [{ a: 1 }] : '[{"a":1}]')
      expect(back[2]).toEqual({ id: 3, num: null, big: null, flag: null, at: null, bytes: null, doc: null, ints: null })
    })

    it('quotes identifiers: spaces, quotes and keywords are taken exactly, and case on PostgreSQL', async () => {
      const result = await backend.copyFrom(db, 'Copy "Quoted" Table', ['select', 'Mixed Case'], [[1, 'kept']])
      expect(result).toEqual({ rowsAffected: 1 })
      expect(await db.query(sql`select "select" as s, "Mixed Case" as m from "Copy ""Quoted"" Table"`)).toEqual([{ s: 1, m: 'kept' }])
      // PostgreSQL takes a quoted name's case exactly; SQLite matches names case-insensitively, quoted or not.
      if (dialect === 'postgres') await expect(backend.copyFrom(db, 'COPY_TARGET', ['id'], [[1]])).rejects.toThrow(/COPY_TARGET/)
    })

    it('bad arguments reject with InvalidArgumentError before anything is sent', async () => {
      // On a table that does not exist: had anything been sent, the database's error would come back instead.
      const bad: [string, unknown, unknown][] = [
        ['', ['id'], [[1]]],
        ['copy\0target', ['id'], [[1]]],
        ['a.b.c', ['id'], [[1]]],
        ['no_such_table', [], [[1]]],
        ['no_such_table', ['id', 'id'], [[1, 1]]],
        ['no_such_table', ['id', ''], [[1, 'a']]],
        ['no_such_table', 'id', [[1]]],
        ['no_such_table', ['id', 'name'], [[1, 'a'], [2, 'b', 'extra']]],
        ['no_such_table', ['id', 'name'], [[1, 'a'], [2]]],
        ['no_such_table', ['id', 'name'], [{ id: 1, name: 'a' }, { id: 2, name: 'b', typo: 1 }]],
        ['no_such_table', ['id', 'name'], [{ id: 1, name: 'a' }, { id: 2 }]],
        ['no_such_table', ['id', 'name'], [{ id: 1, name: 'a' }, { id: 2, nmae: 'b' }]],
        ['no_such_table', ['id', 'name'], [[1, 'a'], 'not a row']],
        ['no_such_table', ['id'], 42],
        ['no_such_table', ['id'], 'rows'],
      ]
      for (const [table, columns, rows] of bad) {
        const error = await rejection(backend.copyFrom(db, table, columns as string[], rows as unknown[][]))
        expect(error, JSON.stringify([table, columns, rows])).toBeInstanceOf(InvalidArgumentError)
      }
    })

    it('a bad row or value met mid-stream in an iterable rejects with InvalidArgumentError and loads nothing', async () => {
      function* rows(bad: unknown[]): Generator<unknown[]> {
        for (let i = 0; i < MANY; i++) yield i === MANY - 10 ? bad : [i, 'ok']
      }
      for (const bad of [[1], [1, 'a', 'b'], [1, undefined], [1, () => 1], [1, new Date(Number.NaN)]]) {
        const error = await rejection(backend.copyFrom(db, 'copy_target', ['id', 'name'], rows(bad)))
        expect(error).toBeInstanceOf(InvalidArgumentError)
        expect((error as Error).message).toMatch(new RegExp(`row ${MANY - 10}`))
      }
      const missing = await rejection(backend.copyFrom(db, 'copy_target', ['id', 'name'], [{ id: 1 }]))
      expect(missing).toBeInstanceOf(InvalidArgumentError)
      expect((missing as Error).message).toMatch(/no value for column name/)
      expect(await count()).toBe(0)
    })

    it('an error thrown by the source is rethrown as is, and nothing is loaded', async () => {
      const boom = new Error('source failed')
      async function* rows(): AsyncGenerator<unknown[]> {
        for (let i = 0; i < MANY; i++) yield [i, 'x']
        throw boom
      }
      await expect(backend.copyFrom(db, 'copy_target', ['id', 'name'], rows())).rejects.toBe(boom)
      expect(await count()).toBe(0)
    })

    it('a duplicate key in the middle of the load → UniqueViolationError, nothing loaded, the DB usable', async () => {
      const rows = Array.from({ length: MANY }, (_, i) => [i === MANY - 1 ? 7 : i, 'dup'])
      const error = await rejection(backend.copyFrom(db, 'copy_target', ['id', 'name'], rows))
      expect(error).toBeInstanceOf(UniqueViolationError)
      if (dialect === 'postgres') expect(error).toMatchObject({ constraint: 'copy_target_pkey', table: 'copy_target' })
      else expect(error).toMatchObject({ table: 'copy_target', column: 'id' })
      expect(await count()).toBe(0)
      expect(await backend.copyFrom(db, 'copy_target', ['id'], [[1]])).toEqual({ rowsAffected: 1 })
    })

    it('inside a transaction, rows commit with it and roll back with it', async () => {
      await db.transaction(async (tx) => {
        await backend.copyFrom(tx, 'copy_target', ['id', 'name'], [[1, 'kept']])
        expect(await count(tx)).toBe(1)
      })
      await expect(
        db.transaction(async (tx) => {
          await backend.copyFrom(tx, 'copy_target', ['id', 'name'], [[2, 'gone']])
          throw new Error('roll back')
        }),
      ).rejects.toThrow('roll back')
      expect(await db.query(sql`select id from copy_target`)).toEqual([{ id: 1 }])
    })

    it('a failed load in a nested transaction (savepoint) leaves the outer transaction usable', async () => {
      await db.transaction(async (tx) => {
        await backend.copyFrom(tx, 'copy_target', ['id'], [[1]])
        const failed = tx.transaction((inner) => backend.copyFrom(inner, 'copy_target', ['id'], [[2], [1]]))
        await expect(failed).rejects.toBeInstanceOf(UniqueViolationError)
        await backend.copyFrom(tx, 'copy_target', ['id'], [[3]])
      })
      expect(await db.query(sql`select id from copy_target order by id`)).toEqual([{ id: 1 }, { id: 3 }])
    })

    it('an aborted signal rejects with its reason and loads nothing, before or during the load', async () => {
      const before = AbortSignal.abort(new Error('stop at once'))
      await expect(backend.copyFrom(db, 'copy_target', ['id'], [[1]], { signal: before })).rejects.toThrow('stop at once')
      const controller = new AbortController()
      const reason = new Error('stop mid-load')
      async function* rows(): AsyncGenerator<number[]> {
        for (let i = 0; i < MANY; i++) yield [i]
        controller.abort(reason)
        await new Promise(() => {}) // a source that never ends: the abort must not wait for it
      }
      await expect(backend.copyFrom(db, 'copy_target', ['id'], rows(), { signal: controller.signal })).rejects.toBe(reason)
      expect(await count()).toBe(0)
      expect(await backend.copyFrom(db, 'copy_target', ['id'], [[1]])).toEqual({ rowsAffected: 1 })
    })

    it('on a closed DB rejects with ClosedError', async () => {
      const own = backend.open()
      await own.close()
      await expect(backend.copyFrom(own, 'copy_target', ['id'], [[1]])).rejects.toBeInstanceOf(ClosedError)
    })
  })
}
