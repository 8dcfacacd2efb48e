import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CompiledQuery, type Generated } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { NoRowsError, open, sql, UniqueViolationError, type Session, type SqliteDB } from '@liteorm/sqlite'

interface Schema {
  items: { id: Generated<number>; name: string }
}

const dir = mkdtempSync(join(tmpdir(), 'liteorm-sqlite-direct-'))
let count = 0
let db: SqliteDB<Schema>

/** A DB on a new file with an `items` table, opened with nothing run through Kysely yet. */
async function fresh(): Promise<SqliteDB<Schema>> {
  const file = join(dir, `fresh-${count++}.db`)
  const setup = open(file)
  await setup.exec(sql`create table items (id integer primary key, name text not null unique)`)
  await setup.close()
  return open<Schema>(file)
}

beforeAll(async () => {
  db = await fresh()
})
afterAll(async () => {
  await db.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('sql templates on the DB', () => {
  it('one template, called with plain values, sql.lit, sql.id, sql.raw, nested sql and sql.join, gives each call its own SQL', async () => {
    const select = (v: unknown) => db.queryOne(sql<{ v: unknown }>`select ${v} as v`)
    expect(await select(1)).toEqual({ v: 1 })
    expect(await select(sql.lit(2))).toEqual({ v: 2 })
    expect(await select(sql`3 + ${4}`)).toEqual({ v: 7 })
    expect(await select(sql.raw("'raw'"))).toEqual({ v: 'raw' })
    expect(await select(sql.join([5, 6], sql` * `))).toEqual({ v: 30 })
    expect(await select('text')).toEqual({ v: 'text' })
    expect(await select(null)).toEqual({ v: null })
    expect(await select(8n)).toEqual({ v: 8 })
    expect(await select(sql.val(9))).toEqual({ v: 9 })
    const named = (column: string) => db.query(sql<{ id: number }>`select ${sql.id(column)} as id from items where 0`)
    expect(await named('id')).toEqual([])
    await expect(named('missing')).rejects.toThrow(/no such column: "missing"/)
  })

  it('every kind of value binds on the DB as in a transaction (through Kysely): same row or same error', async () => {
    const values: unknown[] = [1, 1.5, 'a', 2n ** 62n, null, Buffer.from('bytes'), [1], { a: 1 }, true, undefined]
    const settle = (p: Promise<unknown>) =>
      p.then(
        (rows) => ({ rows }),
        (error: unknown) => ({ error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) }),
      )
    await db.exec(sql`create table vals (v)`)
    for (const value of values) {
      for (const run of [
        (s: Session<Schema>) => s.query(sql`select ${value} as v`),
        (s: Session<Schema>) => s.queryOne(sql`select ${value} as v`),
        async (s: Session<Schema>) => {
          const { rowsAffected, insertId } = await s.exec(sql`insert into vals (v) values (${value})`)
          return { rowsAffected, insertId: typeof insertId }
        },
      ]) {
        const direct = await settle(run(db))
        const viaKysely = await settle(db.transaction((tx) => run(tx)))
        expect(direct, `${String(value)} in ${String(run)}`).toEqual(viaKysely)
      }
    }
  })

  it('templates with the same text at two places in the code, and CompiledQuery values, bind their own values', async () => {
    const a = await db.queryOne(sql<{ v: number }>`select ${1} as v`)
    const b = await db.queryOne(sql<{ v: number }>`select ${2} as v`)
    const c = await db.queryOne<{ v: number }>(CompiledQuery.raw('select ? as v', [3]))
    expect([a, b, c]).toEqual([{ v: 1 }, { v: 2 }, { v: 3 }])
  })

  it('statements past the cache of 200 are prepared again and answer right', async () => {
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 250; i++) expect(await db.queryOne(sql.raw<{ v: number }>(`select ${i} as v`))).toEqual({ v: i })
    }
  })
})

describe('results on the DB', () => {
  it('queryOne of a write with RETURNING makes every write, and returns the first row', async () => {
    const first = await db.queryOne(sql<{ name: string }>`insert into items (name) values ('ret-1'), ('ret-2') returning name`)
    expect(first).toEqual({ name: 'ret-1' })
    expect(await db.query(sql`select name from items where name like 'ret-%' order by name`)).toEqual([{ name: 'ret-1' }, { name: 'ret-2' }])
    await expect(db.queryOne(sql`select 1 from items where 0`)).rejects.toBeInstanceOf(NoRowsError)
  })

  it('exec of a statement that only reads reports no rows affected and no insertId', async () => {
    expect(await db.exec(sql`select * from items`)).toEqual({ rowsAffected: 0 })
  })

  it("a statement's error rejects, mapped; a value that is not a query rejects with InvalidArgumentError; the DB goes on", async () => {
    await db.exec(sql`insert into items (name) values (${'dup'})`)
    await expect(db.exec(sql`insert into items (name) values (${'dup'})`)).rejects.toBeInstanceOf(UniqueViolationError)
    await expect(db.query({} as never)).rejects.toThrow(/query needs a Kysely query/)
    expect(await db.queryOne(sql`select count(*) as n from items where name = 'dup'`)).toEqual({ n: 1 })
  })
})

describe('order of calls on the DB', () => {
  it('a call made while the first Kysely call of a new DB waits for Kysely to start runs after it', async () => {
    const started = await fresh()
    const inserted = started.transaction((tx) => tx.exec(sql`insert into items (name) values ('first')`))
    const seen = started.query(sql`select name from items`)
    expect(await seen).toEqual([{ name: 'first' }])
    await inserted
    const built = started.kysely.insertInto('items').values({ name: 'built' }).execute()
    expect(await started.queryOne(sql`select count(*) as n from items`)).toEqual({ n: 2 })
    await built
    await started.close()
  })

  it('once Kysely has started (a transaction ran), a call on the free DB runs its statement before it returns, without a turn of the event loop', async () => {
    const started = await fresh()
    await started.transaction((tx) => tx.exec(sql`insert into items (name) values ('in a transaction')`))
    const reader = open(started.filename)
    const inserted = started.exec(sql`insert into items (name) values ('at once')`)
    const seen = reader.query(sql`select name from items order by id`)
    expect(await seen).toEqual([{ name: 'in a transaction' }, { name: 'at once' }])
    await inserted
    await reader.close()
    await started.close()
  })

  it('a call made while a transaction holds the connection waits for its commit, then runs', async () => {
    let release!: () => void
    const held = new Promise<void>((resolve) => (release = resolve))
    let begun!: () => void
    const holding = new Promise<void>((resolve) => (begun = resolve))
    const tx = db.transaction(async (t) => {
      await t.exec(sql`insert into items (name) values ('held')`)
      begun()
      await held
    })
    await holding
    const events: string[] = []
    const waiting = db.queryOne(sql<{ n: number }>`select count(*) as n from items where name = 'held'`).then((row) => {
      events.push('query')
      return row
    })
    await new Promise((resolve) => setTimeout(resolve, 5))
    events.push('commit')
    release()
    await tx
    expect(await waiting).toEqual({ n: 1 })
    expect(events).toEqual(['commit', 'query'])
  })

  it('calls made one after another without awaiting run in that order, around a Kysely builder call', async () => {
    const calls = [
      db.exec(sql`insert into items (name) values ('o-1')`),
      db.kysely.insertInto('items').values({ name: 'o-2' }).execute(),
      db.exec(sql`insert into items (name) values ('o-3')`),
      db.query(sql<{ name: string }>`select name from items where name like 'o-%' order by id`),
    ] as const
    const [, , , rows] = await Promise.all(calls)
    expect(rows).toEqual([{ name: 'o-1' }, { name: 'o-2' }, { name: 'o-3' }])
  })
})
