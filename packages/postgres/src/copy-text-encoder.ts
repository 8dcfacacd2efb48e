import { invalidCopyValue, type RowBatch } from '@liteorm/core/backend'
import { arrayLiteral } from './array-literal.js'
import { timestampText } from './timestamp-text.js'

/** Characters COPY's text format gives a meaning: they are written backslash-escaped. */
const SPECIAL = /[\\\t\n\r]/
const SPECIALS = /[\\\t\n\r]/g
const ESCAPES: Readonly<Record<string, string>> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' }

/**
 * Rows as PostgreSQL `COPY ... FROM STDIN` text: one line per row, fields
 * separated by tabs, `\N` for NULL, each value encoded as node-postgres
 * binds it (see {@link copyField}). `first` is the index of the batch's
 * first row in the whole load, for messages. Throws `InvalidArgumentError`
 * naming row and column for a value that cannot be stored.
 *
 * ### Examples
 *
 * ```ts
 * encodeRows([[1, 'a\tb', null]], 0, ['id', 'name', 'note'], 'copyFrom') // '1\ta\\tb\t\\N\n'
 * ```
 */
export function encodeRows(rows: RowBatch, first: number, columns: readonly string[], operation: string): string {
  let text = ''
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r]!
    for (let c = 0; c < row.length; c++) {
      const value = row[c]
      const field = copyField(value)
      if (field === undefined) throw invalidCopyValue(operation, value, first + r, columns[c]!)
      text += c === 0 ? field : `\t${field}`
    }
    text += '\n'
  }
  return text
}

/**
 * One value as a field of COPY's text format, or `undefined` for a value
 * that has none (`undefined`, a function, a symbol, an invalid `Date`):
 *
 * - `null` → `\N`; a string as is (a backslash, tab, newline or carriage
 *   return escaped, so `\.` and any other text arrives unchanged);
 * - a number or bigint in decimal (`NaN` and `±Infinity` as PostgreSQL
 *   spells them); a boolean `t` / `f`;
 * - a `Date` as an ISO 8601 timestamp with the process's UTC offset, as
 *   node-postgres binds one (right for `timestamptz`; `timestamp` gets the
 *   local time);
 * - a `Buffer` or `Uint8Array` as `bytea` hex (`\x0a0b`);
 * - an array as a PostgreSQL array literal (`{1,2}`, `{"a","b"}`, nested
 *   arrays as more dimensions), for array columns, as node-postgres does: to
 *   load a JSON array into a `json`/`jsonb` column, pass
 *   `JSON.stringify(array)`;
 * - any other object as `JSON.stringify(value)`, for `json`/`jsonb`.
 *
 * ### Examples
 *
 * ```ts
 * copyField('C:\\dir')          // 'C:\\\\dir'
 * copyField(Buffer.from([1]))   // '\\\\x01'
 * copyField({ a: [1] })         // '{"a":[1]}'
 * ```
 */
function copyField(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return escapeText(value)
    case 'number':
      return String(value)
    case 'boolean':
      return value ? 't' : 'f'
    case 'bigint':
      return value.toString()
    case 'object':
      if (value === null) return '\\N'
      if (value instanceof Date) return timestampText(value)
      if (value instanceof Uint8Array) return `\\\\x${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex')}`
      if (Array.isArray(value)) {
        const literal = arrayLiteral(value)
        return literal === undefined ? undefined : escapeText(literal)
      }
      return escapeText(JSON.stringify(value))
    default:
      return undefined
  }
}

function escapeText(text: string): string {
  return SPECIAL.test(text) ? text.replace(SPECIALS, (c) => ESCAPES[c]!) : text
}
