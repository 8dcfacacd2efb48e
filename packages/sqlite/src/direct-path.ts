import {
  compileQuery,
  NoRowsError,
  plainTemplate,
  type ErrorMapper,
  type Query,
  type QueryCompilerSource,
  type Result,
  type TemplateCache,
} from '@liteorm/core'
import type { Prepared, SqliteConnection } from './sqlite-connection.js'
import type { SqliteContext } from './sqlite-context.js'
import type { SqliteDriver } from './sqlite-driver.js'

/**
 * Runs a DB's `query`, `queryOne` and `exec` at once when its connection is
 * free: the cached prepared statement runs synchronously under the driver's
 * mutex, and the call gets a settled promise. A `sql` template of plain
 * values finds its statement by the template's strings, without compiling
 * (see core's `plainTemplate`); any other query, and a template met for the
 * first time, is compiled (a template's SQL once, in the cache the DB's
 * transactions share, see core's `compileQuery`) and finds it by its SQL.
 * Errors of the statement go through the DB's one `mapError`, as on
 * Kysely's path; a query that does not compile rejects with its error
 * unmapped, as there.
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
      const template = plainTemplate(q)
      const strings = template?.node.sqlFragments
      const cached = strings === undefined ? undefined : connection.preparedFor(strings)
      const compiled = cached === undefined ? compileQuery(q, this.#kysely, this.#templates) : undefined
      let value: T
      try {
        if (compiled === undefined) value = step(connection, cached!, template!.values)
        else value = step(connection, connection.prepare(compiled.sql, strings), compiled.parameters)
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
type Step<T> = (connection: SqliteConnection, prepared: Prepared, parameters: readonly unknown[]) => T

const allRows: Step<unknown[]> = (connection, prepared, parameters) => connection.run(prepared, parameters).rows

const firstRow: Step<unknown> = (connection, prepared, parameters) => {
  const row = connection.first(prepared, parameters)
  if (row === undefined) throw new NoRowsError()
  return row
}

const execute: Step<Result> = (connection, prepared, parameters) => connection.exec(prepared, parameters)
