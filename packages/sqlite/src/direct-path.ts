import { compileQuery, NoRowsError, type ErrorMapper, type Query, type QueryCompilerSource, type Result, type TemplateCache } from '@liteorm/core'
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
    const connection = this.#take()
    if (connection === undefined) return undefined
    let rows: R[]
    try {
      const { sql, parameters } = compileQuery(q, this.#kysely, this.#templates)
      try {
        rows = connection.run<R>(sql, parameters).rows
      } catch (error) {
        throw this.#mapError(error, 'query')
      }
    } catch (error) {
      return Promise.reject(error)
    } finally {
      this.#driver.giveBack()
    }
    return Promise.resolve(rows)
  }

  /** The first row of `q`, as `queryOne` returns it: `NoRowsError` when there is none. */
  first<R>(q: Query<R>): Promise<R> | undefined {
    const connection = this.#take()
    if (connection === undefined) return undefined
    let row: R | undefined
    try {
      const { sql, parameters } = compileQuery(q, this.#kysely, this.#templates)
      try {
        row = connection.first<R>(sql, parameters)
      } catch (error) {
        throw this.#mapError(error, 'query')
      }
    } catch (error) {
      return Promise.reject(error)
    } finally {
      this.#driver.giveBack()
    }
    return row === undefined ? Promise.reject(new NoRowsError()) : Promise.resolve(row)
  }

  /** What `exec` reports for `q`: `{ rowsAffected, insertId? }`. */
  exec(q: Query<unknown>): Promise<Result> | undefined {
    const connection = this.#take()
    if (connection === undefined) return undefined
    let result: Result
    try {
      const { sql, parameters } = compileQuery(q, this.#kysely, this.#templates)
      try {
        result = connection.exec(sql, parameters)
      } catch (error) {
        throw this.#mapError(error, 'query')
      }
    } catch (error) {
      return Promise.reject(error)
    } finally {
      this.#driver.giveBack()
    }
    return Promise.resolve(result)
  }

  #take(): SqliteConnection | undefined {
    return this.#context.closedError === undefined ? this.#driver.takeNow() : undefined
  }
}
