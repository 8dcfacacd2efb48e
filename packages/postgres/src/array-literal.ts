import { timestampText } from './timestamp-text.js'

const QUOTED = /["\\]/g

/**
 * A JavaScript array as a PostgreSQL array literal, elements as
 * node-postgres binds them: `null`/`undefined` → `NULL`, numbers, bigints
 * and booleans bare, strings, `Date`s (see `timestampText`), `Buffer`s
 * (bytea hex) and other objects (JSON) double-quoted, nested arrays as
 * further dimensions. Returns `undefined` when an element cannot be stored
 * (a function, a symbol, an invalid `Date`).
 *
 * ### Examples
 *
 * ```ts
 * arrayLiteral([1, null, 3])       // '{1,NULL,3}'
 * arrayLiteral(['a"b', 'c,d'])     // '{"a\\"b","c,d"}'
 * arrayLiteral([[1, 2], [3, 4]])   // '{{1,2},{3,4}}'
 * ```
 */
export function arrayLiteral(values: readonly unknown[]): string | undefined {
  let text = '{'
  for (let i = 0; i < values.length; i++) {
    const element = elementText(values[i])
    if (element === undefined) return undefined
    text += i === 0 ? element : `,${element}`
  }
  return `${text}}`
}

function elementText(value: unknown): string | undefined {
  switch (typeof value) {
    case 'undefined':
      return 'NULL'
    case 'string':
      return quote(value)
    case 'number':
    case 'bigint':
      return String(value)
    case 'boolean':
      return value ? 't' : 'f'
    case 'object': {
      if (value === null) return 'NULL'
      if (Array.isArray(value)) return arrayLiteral(value)
      if (value instanceof Date) {
        const text = timestampText(value)
        return text === undefined ? undefined : quote(text)
      }
      if (value instanceof Uint8Array) return quote(`\\x${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex')}`)
      return quote(JSON.stringify(value))
    }
    default:
      return undefined
  }
}

function quote(text: string): string {
  return `"${text.replace(QUOTED, '\\$&')}"`
}
