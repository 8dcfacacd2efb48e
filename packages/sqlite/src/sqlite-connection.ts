import type { Result } from '@liteorm/core'
import { toResult } from '@liteorm/core/backend'
import type Database from 'better-sqlite3'
import type { CompiledQuery, DatabaseConnection, QueryResult } from 'kysely'
import { statementKind } from './statement-kind.js'

/** How many prepared statements a connection keeps, least recently used out first. */
const STATEMENT_CACHE_SIZE = 200

interface Prepared {
  readonly statement: Database.Statement<unknown[]>
  /** It returns rows (SELECT, or a write with RETURNING). */
  readonly reader: boolean
  /** It does not write. */
  readonly readonly: boolean
  /** INSERT or REPLACE: reports `insertId`. */
  readonly inserts: boolean
  /** When it was last used, on the connection's clock of uses. */
  used: number
}

/**
 * Kysely's view of the DB's one better-sqlite3 connection: it runs compiled
 * queries, keeping prepared statements in a small LRU cache. A statement
 * that returns rows reports them; one that writes reports `numAffectedRows`
 * (for `... RETURNING`, one per returned row) and, for an INSERT or REPLACE
 * that inserted rows, `insertId` = SQLite's `last_insert_rowid()`, exact as a
 * bigint. Errors are better-sqlite3's own; the dialect maps them.
 *
 * {@link run}, {@link first} and {@link exec} do the same synchronously, for
 * the DB's statements that run at once (see `SqliteDriver.takeNow`).
 *
 * ### Examples
 *
 * ```ts
 * const connection = new SqliteConnection(raw)
 * await connection.executeQuery(CompiledQuery.raw('insert into t (x) values (?)', [1])) // { numAffectedRows: 1n, insertId: 1n, rows: [] }
 * connection.first('select x from t where x = ?', [1])                              // { x: 1 }
 * ```
 */
export class SqliteConnection implements DatabaseConnection {
  readonly #raw: Database.Database
  readonly #cache = new Map<string, Prepared>()
  #uses = 0
  #lastRowid: Database.Statement<[], bigint> | undefined

  constructor(raw: Database.Database) {
    this.#raw = raw
  }

  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    return this.run<R>(compiledQuery.sql, compiledQuery.parameters)
  }

  /** Runs one statement and reports what {@link executeQuery} reports. Throws better-sqlite3's error. */
  run<R>(sql: string, parameters: readonly unknown[]): QueryResult<R> {
    const { statement, reader, readonly, inserts } = this.#prepare(sql)
    if (reader) {
      const rows = statement.all(parameters) as R[]
      if (readonly) return { rows }
      const numAffectedRows = BigInt(rows.length)
      if (!inserts || rows.length === 0) return { rows, numAffectedRows }
      return { rows, numAffectedRows, insertId: this.#lastInsertRowid() }
    }
    const { changes, lastInsertRowid } = statement.run(parameters)
    const numAffectedRows = BigInt(changes)
    if (!inserts || changes === 0) return { rows: [], numAffectedRows }
    return { rows: [], numAffectedRows, insertId: BigInt(lastInsertRowid) }
  }

  /**
   * Runs one statement and returns its first row, `undefined` when it
   * returns none; a statement that only reads stops at that row, any other
   * runs to the end. Throws better-sqlite3's error.
   */
  first<R>(sql: string, parameters: readonly unknown[]): R | undefined {
    const { statement, reader, readonly } = this.#prepare(sql)
    if (reader && readonly) return (isLoneValue(parameters) ? statement.get(parameters[0]) : statement.get(parameters)) as R | undefined
    return this.run<R>(sql, parameters).rows[0]
  }

  /**
   * Runs one statement and reports `{ rowsAffected, insertId? }` as a
   * session's `exec` does: rows changed (0 for a statement that only reads;
   * for `... RETURNING`, rows returned) and `insertId` for an INSERT or
   * REPLACE that inserted rows. Throws better-sqlite3's error.
   */
  exec(sql: string, parameters: readonly unknown[]): Result {
    const { statement, reader, inserts } = this.#prepare(sql)
    if (reader) {
      return toResult(this.run(sql, parameters))
    }
    const { changes, lastInsertRowid } = isLoneValue(parameters) ? statement.run(parameters[0]) : statement.run(parameters)
    const rowsAffected = Number(changes)
    return !inserts || rowsAffected === 0 ? { rowsAffected } : { rowsAffected, insertId: BigInt(lastInsertRowid) }
  }

  async *streamQuery<R>(compiledQuery: CompiledQuery, chunkSize = 100): AsyncIterableIterator<QueryResult<R>> {
    const { statement } = this.#prepare(compiledQuery.sql)
    if (!statement.reader) throw new TypeError('streaming needs a statement that returns rows (SELECT, or a write with RETURNING)')
    let rows: R[] = []
    for (const row of statement.iterate(compiledQuery.parameters as unknown[])) {
      rows.push(row as R)
      if (rows.length >= chunkSize) {
        yield { rows }
        rows = []
      }
    }
    if (rows.length > 0) yield { rows }
  }

  /** Forgets the cached statements (before the connection closes). */
  clear(): void {
    this.#cache.clear()
    this.#lastRowid = undefined
  }

  #prepare(sql: string): Prepared {
    const cached = this.#cache.get(sql)
    if (cached !== undefined) {
      cached.used = ++this.#uses
      return cached
    }
    const statement = this.#raw.prepare<unknown[]>(sql)
    // Writes report lastInsertRowid as an exact bigint; rows read keep plain numbers.
    if (!statement.reader) statement.safeIntegers(true)
    const kind = statementKind(sql)
    const prepared: Prepared = {
      statement,
      reader: statement.reader,
      readonly: statement.readonly,
      inserts: kind === 'insert' || kind === 'replace',
      used: ++this.#uses,
    }
    if (this.#cache.size >= STATEMENT_CACHE_SIZE) this.#evictLeastRecent()
    this.#cache.set(sql, prepared)
    return prepared
  }

  /** Drops the statement used longest ago: a scan, on a miss of a full cache only, so a hit costs no reordering. */
  #evictLeastRecent(): void {
    let oldest: string | undefined
    let oldestUse = Infinity
    for (const [sql, { used }] of this.#cache) {
      if (used < oldestUse) {
        oldest = sql
        oldestUse = used
      }
    }
    if (oldest !== undefined) this.#cache.delete(oldest)
  }

  #lastInsertRowid(): bigint {
    this.#lastRowid ??= this.#raw.prepare<[], bigint>('select last_insert_rowid()').pluck().safeIntegers(true)
    return this.#lastRowid.get()!
  }
}

/**
 * Whether `parameters` is one value that better-sqlite3 may take as the one
 * argument, which it binds faster than an array: not an object (an array
 * argument would be read as more values, a plain object as named
 * parameters). Never fails.
 */
function isLoneValue(parameters: readonly unknown[]): boolean {
  return parameters.length === 1 && typeof parameters[0] !== 'object'
}
