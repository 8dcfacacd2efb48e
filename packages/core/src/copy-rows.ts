import type { CopyValue } from './copy-target.js'
import { describeValue } from './copy-target.js'
import { InvalidArgumentError } from './errors.js'

/**
 * One row for `copyFrom`: an array of values in the order of the columns
 * (any value type; checked at run time), or an object keyed by the column
 * names (typed by the session's Kysely schema, where it has one).
 */
export type CopyRow<S, T, C extends string> = readonly unknown[] | { readonly [K in C]: CopyValue<S, T, K> }

/**
 * The rows of a `copyFrom`: an array, or any iterable or async iterable
 * (a generator, a Node stream in object mode), read once, a batch at a time.
 */
export type CopyRows<R> = Iterable<R> | AsyncIterable<R>

/** Options of `copyFrom`. */
export interface CopyFromOptions {
  /** Aborting it cancels the load: nothing is written, and `copyFrom` rejects with the signal's reason. */
  readonly signal?: AbortSignal
}

/** Rows read from the source before they are sent (PostgreSQL) or written (SQLite): bounds the memory a load holds. */
export const COPY_BATCH_ROWS = 1000

/** A batch of rows, each as its values in column order. */
export type RowBatch = readonly (readonly unknown[])[]

/**
 * Checks what `copyFrom` was given as rows before anything is sent: it must
 * be an array or an (async) iterable; an array's rows are checked at once
 * for their shape, and object rows for missing keys (see {@link rowBatches}). Throws
 * {@link InvalidArgumentError}; `rows` is not read when it is an iterator.
 *
 * ### Examples
 *
 * ```ts
 * checkCopyRows('copyFrom', [[1, 'a'], [2]], ['id', 'name']) // throws: row 1 has 1 value for 2 columns
 * ```
 */
export function checkCopyRows(operation: string, rows: unknown, columns: readonly string[]): void {
  if (Array.isArray(rows)) {
    const width = columns.length
    for (let i = 0; i < rows.length; i++) {
      const row: unknown = rows[i]
      // The common case, an array of the right length, costs one comparison.
      if (!Array.isArray(row) || row.length !== width) valuesOf(operation, row, i, columns)
    }
    return
  }
  const iterable = typeof rows === 'object' && rows !== null && (Symbol.iterator in rows || Symbol.asyncIterator in rows)
  if (!iterable) {
    throw new InvalidArgumentError(`${operation}: rows must be an array, an iterable or an async iterable of rows, got ${describeValue(rows)}`)
  }
}

/**
 * Reads `rows` (already passed through {@link checkCopyRows}) in batches of
 * up to {@link COPY_BATCH_ROWS}, each row as its values in the order of
 * `columns`: a synchronous source is read synchronously within a batch.
 * Throws {@link InvalidArgumentError} at the first row that is neither an
 * array of one value per column nor an object whose keys are exactly the
 * columns (a key whose value is `undefined` counts as missing); whatever
 * the source throws passes through. Values are not checked further here:
 * each backend encodes them and rejects what it cannot store.
 *
 * ### Examples
 *
 * ```ts
 * for await (const batch of rowBatches('copyFrom', generateRows(), ['id', 'name'])) send(batch)
 * ```
 */
export async function* rowBatches(operation: string, rows: CopyRows<unknown>, columns: readonly string[]): AsyncGenerator<RowBatch, void, undefined> {
  let batch: (readonly unknown[])[] = []
  let index = 0
  if (Symbol.iterator in rows) {
    for (const row of rows) {
      batch.push(valuesOf(operation, row, index++, columns))
      if (batch.length === COPY_BATCH_ROWS) {
        yield batch
        batch = []
      }
    }
  } else {
    for await (const row of rows) {
      batch.push(valuesOf(operation, row, index++, columns))
      if (batch.length === COPY_BATCH_ROWS) {
        yield batch
        batch = []
      }
    }
  }
  if (batch.length > 0) yield batch
}

/** A row's values in column order; throws InvalidArgumentError for a row of the wrong shape. */
function valuesOf(operation: string, row: unknown, index: number, columns: readonly string[]): readonly unknown[] {
  if (Array.isArray(row)) {
    if (row.length === columns.length) return row
    throw new InvalidArgumentError(
      `${operation}: row ${index} (counting from 0) has ${row.length} value${row.length === 1 ? '' : 's'} for ${columns.length} column${columns.length === 1 ? '' : 's'} ` +
        `(${columns.join(', ')}): give one value per column, null for NULL`,
    )
  }
  if (typeof row !== 'object' || row === null) {
    throw new InvalidArgumentError(`${operation}: row ${index} (counting from 0) is ${describeValue(row)}; a row is an array of values or an object keyed by column`)
  }
  const record = row as Record<string, unknown>
  const values = new Array<unknown>(columns.length)
  for (let c = 0; c < columns.length; c++) {
    const value = record[columns[c]!]
    if (value === undefined) throw invalidCopyValue(operation, value, index, columns[c]!)
    values[c] = value
  }
  const keys = Object.keys(record)
  if (keys.length !== columns.length) {
    const extra = keys.filter((k) => !columns.includes(k))
    if (extra.length > 0) {
      throw new InvalidArgumentError(
        `${operation}: row ${index} (counting from 0) has ${extra.length === 1 ? 'a key' : 'keys'} not in the column list: ${extra.join(', ')}; ` +
          'add it to the columns or leave it out of the row',
      )
    }
  }
  return values
}

/**
 * The error for a value a backend cannot store: `undefined` (a missing
 * key), a function, a symbol or an invalid `Date`, at row `index`, column
 * `column`. Never fails.
 *
 * ### Examples
 *
 * ```ts
 * throw invalidCopyValue('copyFrom', undefined, 3, 'email')
 * // InvalidArgumentError: copyFrom: row 3 (counting from 0) has no value for column email (undefined): ...
 * ```
 */
export function invalidCopyValue(operation: string, value: unknown, index: number, column: string): InvalidArgumentError {
  const where = `${operation}: row ${index} (counting from 0)`
  if (value === undefined) {
    return new InvalidArgumentError(
      `${where} has no value for column ${column} (undefined): pass null for NULL, or leave the column out of the list to get its default`,
    )
  }
  if (value instanceof Date) return new InvalidArgumentError(`${where}, column ${column}: the Date is invalid (its time is NaN)`)
  return new InvalidArgumentError(
    `${where}, column ${column}: a ${typeof value} cannot be stored; pass a string, number, bigint, boolean, Date, Buffer, array, plain object or null`,
  )
}
