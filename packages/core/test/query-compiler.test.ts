import { DummyDriver, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler, SqliteAdapter, SqliteIntrospector, SqliteQueryCompiler, sql } from 'kysely'
import { describe, expect, it } from 'vitest'
import { InvalidArgumentError } from '@liteorm/core'
import { compileQuery, type TemplateCache } from '@liteorm/core/backend'

// Compilation only: Kysely's DummyDriver never connects anywhere.
const postgres = new Kysely<unknown>({
  dialect: {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (db) => new PostgresIntrospector(db),
    createQueryCompiler: () => new PostgresQueryCompiler(),
  },
})
const sqlite = new Kysely<unknown>({
  dialect: {
    createAdapter: () => new SqliteAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (db) => new SqliteIntrospector(db),
    createQueryCompiler: () => new SqliteQueryCompiler(),
  },
})

const byId = (id: unknown) => sql`select name from kv where id = ${id} and kind = ${'k'}`

describe('compileQuery', () => {
  it("a template of plain values compiles once per call site, then gives Kysely's own SQL with this call's values", () => {
    for (const kysely of [postgres, sqlite]) {
      const cache: TemplateCache = new WeakMap()
      const first = compileQuery(byId(1), kysely, cache)
      const second = compileQuery(byId(2), kysely, cache)
      const reference = byId(2).compile(kysely)
      expect(second.sql).toBe(reference.sql)
      expect(second.parameters).toEqual([2, 'k'])
      expect(first.parameters).toEqual([1, 'k'])
    }
  })

  it('templates with SQL of their own in them are compiled in full every time', () => {
    const cache: TemplateCache = new WeakMap()
    const column = (name: string) => sql`select ${sql.ref(name)} from kv where id = ${1}`
    expect(compileQuery(column('a'), postgres, cache).sql).toBe('select "a" from kv where id = $1')
    expect(compileQuery(column('b'), postgres, cache).sql).toBe('select "b" from kv where id = $1')
    const literal = (v: number) => sql`select ${sql.lit(v)} as n`
    expect(compileQuery(literal(1), postgres, cache).sql).toBe('select 1 as n')
    expect(compileQuery(literal(2), postgres, cache).sql).toBe('select 2 as n')
    const nested = (inner: ReturnType<typeof sql>) => sql`select * from (${inner}) t`
    expect(compileQuery(nested(sql`select ${1}`), postgres, cache).parameters).toEqual([1])
    expect(compileQuery(nested(sql`select ${2}, ${3}`), postgres, cache).sql).toBe('select * from (select $1, $2) t')
  })

  it('builders and CompiledQuery objects pass through; anything else is an InvalidArgumentError', () => {
    const cache: TemplateCache = new WeakMap()
    const compiled = sql`select ${1}`.compile(postgres)
    expect(compileQuery(compiled, postgres, cache)).toBe(compiled)
    expect(() => compileQuery('select 1' as never, postgres, cache)).toThrow(InvalidArgumentError)
    expect(() => compileQuery({} as never, postgres, cache)).toThrow(InvalidArgumentError)
  })
})
