import { type CopyColumn, type CopyFromOptions, type CopyRow, type CopyRows, type CopyTable, type Result, type Session } from '@liteorm/core'
import { abortable, checkCopyRows, COPY_BATCH_ROWS, copyTarget, invalidCopyValue, rowBatches, type CopyTarget } from '@liteorm/core/backend'
import type Database from 'better-sqlite3'
import { setImmediate as nextTurn } from 'node:timers/promises'
import { copyValue } from './copy-value.js'
import { requireLink, type SqliteContext } from './sqlite-context.js'

/**
 * Bulk-loads rows into a table: one prepared `INSERT INTO "table" ("col",
 * ...) VALUES (?, ...)` run for each row, all inside one transaction on a
 * DB, or inside a savepoint of the caller's transaction. `rows` is an array
 * or any iterable or async iterable of arrays of values in column order or
 * of objects keyed by exactly the listed columns, read a batch at a time,
 * so millions of rows load in bounded memory; every 16 000 rows other work
 * (and an abort) gets a turn of the event loop. Table and column names are always quoted
 * (exact; `schema.table` with a dot) and, on a session typed with a Kysely
 * schema, checked at compile time. It is the same call, with the same
 * rules, as `copyFrom` of `@liteorm/postgres`.
 *
 * Values: strings, numbers, bigints, `null`, `Buffer`/`Uint8Array` (BLOB)
 * as they are, booleans as 1/0, `Date` as ISO 8601 text in UTC, arrays and
 * other objects as JSON text. `undefined` is refused: pass `null`, or leave
 * the column out to get its default.
 *
 * Resolves with `{ rowsAffected }`, the rows inserted. All or nothing: when
 * it fails, the transaction (or savepoint) is rolled back, and the caller's
 * transaction goes on. Rejects with `InvalidArgumentError` before anything
 * is written for an empty or malformed table or column name, an empty
 * column list, rows that are not iterable or, in an array, a row of the
 * wrong length or with keys that are not columns; such a row (or a value
 * that cannot be stored) met later in an iterable rolls the load back, with
 * the same error. A constraint the rows break rejects with its class
 * (`UniqueViolationError`, ...); `BusyError` when another connection holds
 * the write lock past the busy timeout. An error the source throws is
 * rethrown as is. Aborting `options.signal` rolls the load back and rejects
 * with the signal's reason, without waiting for the source; aborted while
 * another transaction holds the connection, it rejects once it is free,
 * writing nothing. Called on the DB from inside one of its own
 * transactions it rejects with `InvalidArgumentError` (use `tx`).
 *
 * ### Examples
 *
 * ```ts
 * await copyFrom(db, 'users', ['id', 'email'], [[1, 'a@example.com'], [2, 'b@example.com']])
 *
 * function* events() {
 *   for (let i = 0; i < 1_000_000; i++) yield { id: i, at: new Date(), data: { i } }
 * }
 * const { rowsAffected } = await copyFrom(db, 'events', ['id', 'at', 'data'], events())
 *
 * await db.transaction(async (tx) => {
 *   await tx.exec(sql`delete from staging`)
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
  const { context } = requireLink(session, 'copyFrom')
  const { signal } = options
  if (signal?.aborted) throw signal.reason
  // On the DB a transaction, on a transaction a savepoint: a failed load leaves nothing behind.
  return session.transaction(() => untilAborted(signal, (stopped) => insertAll(context, target, rows, stopped)))
}

/** Rows written between two turns of the event loop. */
const YIELD_EVERY_ROWS = 16 * COPY_BATCH_ROWS

/** Settles like `work`, or rejects with the signal's reason as soon as it aborts; `work` sees `stopped()` from then on. */
function untilAborted<T>(signal: AbortSignal | undefined, work: (stopped: () => boolean) => Promise<T>): Promise<T> {
  if (signal === undefined) return work(() => false)
  // Aborted while the transaction waited for the connection: write nothing.
  if (signal.aborted) return Promise.reject(signal.reason)
  return abortable(work(() => signal.aborted), signal)
}

/** Inserts every row; returns early, writing nothing more, once `stopped()` (the transaction is being rolled back). */
async function insertAll(context: SqliteContext, target: CopyTarget, rows: CopyRows<unknown>, stopped: () => boolean): Promise<Result> {
  const { columns } = target
  const statement = prepare(context, `insert into ${target.table} (${target.columnList}) values (${columns.map(() => '?').join(', ')})`)
  const values: unknown[] = columns.map(() => null)
  let first = 0
  let rowsAffected = 0
  for await (const batch of rowBatches('copyFrom', rows, columns)) {
    if (stopped()) break
    try {
      for (let r = 0; r < batch.length; r++) {
        const row = batch[r]!
        for (let c = 0; c < row.length; c++) {
          const value = copyValue(row[c])
          if (value === undefined) throw invalidCopyValue('copyFrom', row[c], first + r, columns[c]!)
          values[c] = value
        }
        // Spread: better-sqlite3 binds separate arguments faster than one array argument.
        rowsAffected += statement.run(...values).changes
      }
    } catch (error) {
      throw context.mapError(error, 'query') // liteorm's own errors pass through unchanged
    }
    first += batch.length
    // A turn of the event loop now and then (tens of milliseconds of work): a synchronous
    // source would otherwise hold the process. Not after every batch: each turn lets V8 run
    // its idle-time garbage collection, which costs more than the batch.
    if (first % YIELD_EVERY_ROWS === 0) await nextTurn()
  }
  return { rowsAffected }
}

function prepare(context: SqliteContext, text: string): Database.Statement<unknown[]> {
  try {
    return context.raw.prepare<unknown[]>(text)
  } catch (error) {
    throw context.mapError(error, 'query')
  }
}
