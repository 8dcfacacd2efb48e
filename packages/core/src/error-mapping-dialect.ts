import type { CompiledQuery, DatabaseConnection, Dialect, Driver, QueryCompiler, QueryResult, TransactionSettings } from 'kysely'

/** Turns a driver's error into a liteorm error; `phase` says whether it happened while connecting. */
export type ErrorMapper = (error: unknown, phase: 'connect' | 'query') => Error

/**
 * Wraps a Kysely dialect so that every error its driver raises, from
 * connecting, queries, streams and transaction control, passes through
 * `mapError` once. This is the one place a backend maps its driver's errors,
 * so calls made through `session.kysely` are mapped too.
 *
 * ### Examples
 *
 * ```ts
 * const dialect = withErrorMapping(new PostgresDialect({ pool }), mapPostgresError)
 * const kysely = new Kysely<DB>({ dialect })
 * ```
 */
export function withErrorMapping(dialect: Dialect, mapError: ErrorMapper): Dialect {
  return {
    createAdapter: () => dialect.createAdapter(),
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createIntrospector: (db) => dialect.createIntrospector(db),
    createDriver: () => new ErrorMappingDriver(dialect.createDriver(), mapError),
  }
}

class ErrorMappingDriver implements Driver {
  readonly #inner: Driver
  readonly #mapError: ErrorMapper
  /** Inner connection → its wrapper, made once per pooled connection. */
  readonly #wrappers = new WeakMap<DatabaseConnection, ErrorMappingConnection>()

  constructor(inner: Driver, mapError: ErrorMapper) {
    this.#inner = inner
    this.#mapError = mapError
  }

  init(): Promise<void> {
    return this.#inner.init().catch(this.#rethrow('connect'))
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const inner = await this.#inner.acquireConnection().catch(this.#rethrow('connect'))
    let outer = this.#wrappers.get(inner)
    if (outer === undefined) {
      outer = new ErrorMappingConnection(inner, this.#mapError)
      this.#wrappers.set(inner, outer)
    }
    return outer
  }

  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return this.#inner.beginTransaction(this.#unwrap(connection), settings).catch(this.#rethrow('query'))
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.#inner.commitTransaction(this.#unwrap(connection)).catch(this.#rethrow('query'))
  }

  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return this.#inner.rollbackTransaction(this.#unwrap(connection)).catch(this.#rethrow('query'))
  }

  async savepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']): Promise<void> {
    await this.#savepointStep('savepoint', connection, name, compile)
  }

  async rollbackToSavepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']): Promise<void> {
    await this.#savepointStep('rollbackToSavepoint', connection, name, compile)
  }

  async releaseSavepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']): Promise<void> {
    await this.#savepointStep('releaseSavepoint', connection, name, compile)
  }

  releaseConnection(connection: DatabaseConnection): Promise<void> {
    return this.#inner.releaseConnection(this.#unwrap(connection))
  }

  destroy(): Promise<void> {
    return this.#inner.destroy()
  }

  /** Kysely's controlled-transaction savepoints, when the inner driver has them. */
  #savepointStep(
    step: 'savepoint' | 'rollbackToSavepoint' | 'releaseSavepoint',
    connection: DatabaseConnection,
    name: string,
    compile: QueryCompiler['compileQuery'],
  ): Promise<void> {
    const inner = this.#inner[step]
    if (inner === undefined) return Promise.reject(new Error(`the ${step} step is not supported by this dialect's driver`))
    return inner.call(this.#inner, this.#unwrap(connection), name, compile).catch(this.#rethrow('query'))
  }

  #unwrap(connection: DatabaseConnection): DatabaseConnection {
    return connection instanceof ErrorMappingConnection ? connection.inner : connection
  }

  #rethrow(phase: 'connect' | 'query'): (error: unknown) => never {
    return (error) => {
      throw this.#mapError(error, phase)
    }
  }
}

class ErrorMappingConnection implements DatabaseConnection {
  readonly #inner: DatabaseConnection
  readonly #mapError: ErrorMapper

  constructor(inner: DatabaseConnection, mapError: ErrorMapper) {
    this.#inner = inner
    this.#mapError = mapError
  }

  /** The driver's own connection, for transaction control. */
  get inner(): DatabaseConnection {
    return this.#inner
  }

  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    try {
      return await this.#inner.executeQuery<R>(compiledQuery)
    } catch (error) {
      throw this.#mapError(error, 'query')
    }
  }

  async *streamQuery<R>(compiledQuery: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    try {
      yield* this.#inner.streamQuery<R>(compiledQuery, chunkSize)
    } catch (error) {
      throw this.#mapError(error, 'query')
    }
  }
}
