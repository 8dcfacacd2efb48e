import type Database from 'better-sqlite3'
import { SqliteDialect, type Dialect, type SqliteDatabase } from 'kysely'
import { SqliteDriver, type TransactionHooks } from './sqlite-driver.js'

/**
 * Kysely's `SqliteDialect` (its adapter, query compiler and introspector)
 * with liteorm's {@link SqliteDriver} on the connection `raw`, which adds
 * `BEGIN IMMEDIATE`, read-only transactions and commit hooks. Never fails.
 *
 * ### Examples
 *
 * ```ts
 * const kysely = new Kysely<DB>({ dialect: withErrorMapping(sqliteDialect(raw, hooks), mapError) })
 * ```
 */
export function sqliteDialect(raw: Database.Database, hooks: TransactionHooks): Dialect {
  const base = new SqliteDialect({ database: raw as unknown as SqliteDatabase })
  return {
    createAdapter: () => base.createAdapter(),
    createQueryCompiler: () => base.createQueryCompiler(),
    createIntrospector: (db) => base.createIntrospector(db),
    createDriver: () => new SqliteDriver(raw, hooks),
  }
}
