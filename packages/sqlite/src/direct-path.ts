import { NoRowsError, type Query, type Result } from '@liteorm/core'
import { compileQuery, type ErrorMapper, type QueryCompilerSource, type TemplateCache } from '@liteorm/core/backend'
import type { SqliteConnection } from './sqlite-connection.js'
import type { SqliteContext } from './sqlite-context.js'
import type { SqliteDriver } from './sqlite-driver.js'

/**
 * Runs a DB's `query`, `queryOne` and `exec` at once when its connection is
 * free: the query is compiled (a `sql` template's SQL once, in the cache the
 * DB's transactions share, see core's `compileQuery`), the cached
 * prepared statement runs synchronously under the driver's mutex, and the
 * call gets a settled promise. Errors of the statement go through the DB's
 * one `mapError`, as on Kysely's path; a query that does not compile
 * rejects with its error unmapped, as there.
 *
 * Each method returns `undefined`, running nothing, when the DB is closed
 * or the connection is held or waited for (a transaction, a stream, a
 * queued call, Kysely starting): the caller then takes Kysely's path,
 * which rejects or queues exactly as before. A transaction's callback
 * holds the connection, so a call on the DB from inside it always takes
 * that path and is rejected there.
 *
 * ### Examples
 *
 * ```ts
 * const direct = new DirectPath(driver, kysely, context)
 * const rows = direct.rows(sql`select 1 as one`) ?? slowPath()
 * ```
 */
export class DirectPath {
  readonly #driver: SqliteDriver
  readonly #kysely: QueryCompilerSource
  readonly #templates: TemplateCache
  readonly #context: SqliteContext
  readonly #mapError: ErrorMapper

  constructor(driver: SqliteDriver, kysely: QueryCompilerSource, context: SqliteContext) {
    this.#driver = driver
    this.#kysely = kysely
    this.#templates = context.templates ??= new WeakMap()
    this.#context = context
    this.#mapError = context.mapError
  }

  /** The rows of `q`, as `query` returns them. */
  rows<R>(q: Query<R>): Promise<R[]> | undefined {
    return this.#run(q, allRows) as Promise<R[]> | undefined
  }

  /** The first row of `q`, as `queryOne` returns it: `NoRowsError` when there is none. */
  first<R>(q: Query<R>): Promise<R> | undefined {
    return this.#run(q, firstRow) as Promise<R> | undefined
  }

  /** What `exec` reports for `q`: `{ rowsAffected, insertId? }`. */
  exec(q: Query<unknown>): Promise<Result> | undefined {
    return this.#run(q, execute)
  }

  /** Runs `step` on the free connection, or returns `undefined` when it is not free. */
  #run<T>(q: Query<unknown>, step: Step<T>): Promise<T> | undefined {
    const connection = this.#take()
    if (connection === undefined) return undefined
    try {
      const { sql, parameters } = compileQuery(q, this.#kysely, this.#templates)
      let value: T
      try {
        value = step(connection, sql, parameters)
      } catch (error) {
        throw this.#mapError(error, 'query') // liteorm errors (NoRowsError) pass through unchanged
      }
      return Promise.resolve(value)
    } catch (error) {
      return Promise.reject(error)
    } finally {
      this.#driver.giveBack()
    }
  }

  #take(): SqliteConnection | undefined {
    return this.#context.closedError === undefined ? this.#driver.takeNow() : undefined
  }
}

/** What the direct path runs on the connection: module-level, so no closure is made per call. */
type Step<T> = (connection: SqliteConnection, sql: string, parameters: readonly unknown[]) => T

const allRows: Step<unknown[]> = (connection, sql, parameters) => connection.run(sql, parameters).rows

const firstRow: Step<unknown> = (connection, sql, parameters) => {
  const row = connection.first(sql, parameters)
  if (row === undefined) throw new NoRowsError()
  return row
}

const execute: Step<Result> = (connection, sql, parameters) => connection.exec(sql, parameters)
