/**
 * A value as `copyFrom` binds it on SQLite, or `undefined` for a value that
 * cannot be stored (`undefined`, a function, a symbol, an invalid `Date`).
 * The rules match PostgreSQL's where SQLite has the type, and pick the
 * usual SQLite representation where it has not:
 *
 * - strings, numbers, bigints (exact, as INTEGER), `null`, `Buffer` and
 *   `Uint8Array` (BLOB) as they are;
 * - a boolean as 1 / 0;
 * - a `Date` as ISO 8601 text in UTC (`2024-05-01T12:30:00.000Z`), which
 *   SQLite's date functions read and which sorts in time order;
 * - an array or any other object as `JSON.stringify(value)` (SQLite has no
 *   array type; its JSON functions read the text).
 *
 * ### Examples
 *
 * ```ts
 * copyValue(true)                        // 1
 * copyValue(new Date(0))                 // '1970-01-01T00:00:00.000Z'
 * copyValue({ tags: ['a'] })             // '{"tags":["a"]}'
 * ```
 */
export function copyValue(value: unknown): unknown {
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'bigint':
      return value
    case 'boolean':
      return value ? 1 : 0
    case 'object':
      if (value === null) return null
      if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value.toISOString()
      return value instanceof Uint8Array ? value : JSON.stringify(value)
    default:
      return undefined
  }
}
