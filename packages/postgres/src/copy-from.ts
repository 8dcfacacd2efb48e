import { type CopyColumn, type CopyFromOptions, type CopyRow, type CopyRows, type CopyTable, type Result, type Session } from '@liteorm/core'
import { checkCopyRows, copyTarget, rowBatches } from '@liteorm/core/backend'
import { CompiledQuery } from 'kysely'
import { CopyRequest } from './copy-request.js'
import { requireContext } from './postgres-context.js'

/**
 * Bulk-loads rows into a table with one `COPY "table" ("col", ...) FROM
 * STDIN` statement, at the speed of COPY: on a DB it runs on a connection of
 * the pool, on a transaction inside that transaction. `rows` is an array or
 * any iterable or async iterable (a generator, an object-mode stream) of
 * arrays of values in column order or of objects keyed by exactly the
 * listed columns; it is read a batch at a time with backpressure, so
 * millions of rows load in bounded memory. Table and column names are
 * always quoted (exact and case-sensitive; `schema.table` with a dot) and,
 * on a session typed with a Kysely schema, checked at compile time.
 *
 * Values are encoded as node-postgres binds them: strings as they are
 * (tabs, newlines, backslashes and `\.` included), numbers, bigints,
 * booleans, `null`, `Date` (the instant, for `timestamptz`), `Buffer` /
 * `Uint8Array` for `bytea`, arrays as PostgreSQL arrays (for `int[]`,
 * `text[]`...; pass `JSON.stringify(array)` for a JSON array), other objects
 * as JSON (for `json`/`jsonb`). `undefined` is refused: pass `null`, or
 * leave the column out to get its default.
 *
 * Resolves with `{ rowsAffected }`, the rows loaded. COPY is one statement:
 * when it fails, no row of it is kept. Rejects with `InvalidArgumentError`
 * before anything is sent for an empty or malformed table or column name,
 * an empty column list, rows that are not iterable or, in an array, a row of
 * the wrong length or with keys that are not columns; such a row (or a value
 * that cannot be stored) met later in an iterable cancels the load, with
 * the same error. A constraint the rows break rejects with its class
 * (`UniqueViolationError` with `constraint`, ...), as any statement does; in
 * a transaction, the transaction is then failed, as after any failed
 * statement (use a nested `transaction` to recover). An error the source
 * throws is rethrown as is. Aborting `options.signal` cancels the load and
 * rejects with the signal's reason, without waiting for the source; the
 * connection stays usable. Aborted while waiting for a pooled connection,
 * it rejects once it has one, sending nothing; once every row is sent, the
 * load completes.
 *
 * ### Examples
 *
 * ```ts
 * await copyFrom(db, 'users', ['id', 'email'], [[1, 'a@example.com'], [2, 'b@example.com']])
 *
 * function* events() {
 *   for (let i = 0; i < 1_000_000; i++) yield { id: i, at: new Date(), data: { i } }
 * }
 * const { rowsAffected } = await copyFrom(db, 'events', ['id', 'at', 'data'], events(), { signal: AbortSignal.timeout(60_000) })
 *
 * await db.transaction(async (tx) => {
 *   await tx.exec(sql`truncate staging`)
 *   await copyFrom(tx, 'staging', ['line'], readLines(file))   // an async iterable of [line]
 * })
 * ```
 */
export async function copyFrom<S, T extends CopyTable<S>, C extends CopyColumn<S, T>>(
  session: Session<S>,
  table: T,
  columns: readonly C[],
  rows: CopyRows<CopyRow<S, T, C>>,
  options: CopyFromOptions = {},
): Promise<Result> {
  const target = copyTarget('copyFrom', table, columns)
  checkCopyRows('copyFrom', rows, target.columns)
  requireContext(session, 'copyFrom')
  const { signal } = options
  if (signal?.aborted) throw signal.reason
  const request = new CopyRequest(target, rowBatches('copyFrom', rows, target.columns), 'copyFrom', signal)
  try {
    await session.kysely.executeQuery(CompiledQuery.raw(request.sql, [request]))
  } catch (error) {
    // Cancelled from this side: the reason itself, not the server's answer to CopyFail.
    throw request.failure === undefined ? error : request.failure.reason
  }
  return { rowsAffected: request.rowCount }
}
