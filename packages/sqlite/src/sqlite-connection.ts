import type Database from 'better-sqlite3'
import type { CompiledQuery, DatabaseConnection, QueryResult } from 'kysely'
import { statementKind } from './statement-kind.js'

/** How many prepared statements a connection keeps, least recently used out first. */
const STATEMENT_CACHE_SIZE = 200

interface Prepared {
  readonly statement: Database.Statement<unknown[]>
  /** INSERT or REPLACE: reports `insertId`. */
  readonly inserts: boolean
}

/**
 * Kysely's view of the DB's one better-sqlite3 connection: it runs compiled
 * queries, keeping prepared statements in a small LRU cache. A statement
 * that returns rows reports them; one that writes reports `numAffectedRows`
 * (for `... RETURNING`, one per returned row) and, for an INSERT or REPLACE
 * that inserted rows, `insertId` = SQLite's `last_insert_rowid()`, exact as a
 * bigint. Errors are better-sqlite3's own; the dialect maps them.
 *
 * ### Examples
 *
 * ```ts
 * const connection = new SqliteConnection(raw)
 * await connection.executeQuery(CompiledQuery.raw('insert into t (x) values (?)', [1])) // { numAffectedRows: 1n, insertId: 1n, rows: [] }
 * ```
 */
export class SqliteConnection implements DatabaseConnection {
  readonly #raw: Database.Database
  readonly #cache = new Map<string, Prepared>()
  #lastRowid: Database.Statement<[], bigint> | undefined

  constructor(raw: Database.Database) {
    this.#raw = raw
  }

  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    const { statement, inserts } = this.#prepare(compiledQuery.sql)
    const parameters = compiledQuery.parameters as unknown[]
    if (statement.reader) {
      const rows = statement.all(parameters) as R[]
      if (statement.readonly) return { rows }
      const numAffectedRows = BigInt(rows.length)
      if (!inserts || rows.length === 0) return { rows, numAffectedRows }
      return { rows, numAffectedRows, insertId: this.#lastInsertRowid() }
    }
    const { changes, lastInsertRowid } = statement.run(parameters)
    const numAffectedRows = BigInt(changes)
    if (!inserts || changes === 0) return { rows: [], numAffectedRows }
    return { rows: [], numAffectedRows, insertId: BigInt(lastInsertRowid) }
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
      this.#cache.delete(sql)
      this.#cache.set(sql, cached)
      return cached
    }
    const statement = this.#raw.prepare<unknown[]>(sql)
    // Writes report lastInsertRowid as an exact bigint; rows read keep plain numbers.
    if (!statement.reader) statement.safeIntegers(true)
    const kind = statementKind(sql)
    const prepared: Prepared = { statement, inserts: kind === 'insert' || kind === 'replace' }
    this.#cache.set(sql, prepared)
    if (this.#cache.size > STATEMENT_CACHE_SIZE) this.#cache.delete(this.#cache.keys().next().value!)
    return prepared
  }

  #lastInsertRowid(): bigint {
    this.#lastRowid ??= this.#raw.prepare<[], bigint>('select last_insert_rowid()').pluck().safeIntegers(true)
    return this.#lastRowid.get()!
  }
}
