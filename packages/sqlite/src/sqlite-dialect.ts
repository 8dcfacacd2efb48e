import type Database from 'better-sqlite3'
import { SqliteDialect, type Dialect, type SqliteDatabase } from 'kysely'
import type { SqliteDriver } from './sqlite-driver.js'

/**
 * Kysely's `SqliteDialect` (its adapter, query compiler and introspector)
 * on the connection `raw`, with liteorm's {@link SqliteDriver} `driver` on
 * it, which adds `BEGIN IMMEDIATE`, read-only transactions and commit
 * hooks. The driver is made by the caller, who also runs statements on it
 * directly. Never fails.
 *
 * ### Examples
 *
 * ```ts
 * const kysely = new Kysely<DB>({ dialect: withErrorMapping(sqliteDialect(raw, new SqliteDriver(raw, hooks)), mapError) })
 * ```
 */
export function sqliteDialect(raw: Database.Database, driver: SqliteDriver): Dialect {
  const base = new SqliteDialect({ database: raw as unknown as SqliteDatabase })
  return {
    createAdapter: () => base.createAdapter(),
    createQueryCompiler: () => base.createQueryCompiler(),
    createIntrospector: (db) => base.createIntrospector(db),
    createDriver: () => driver,
  }
}
