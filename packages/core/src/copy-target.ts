import type { InsertType } from 'kysely'
import { InvalidArgumentError } from './errors.js'

/**
 * The tables `copyFrom` accepts on a session typed with the Kysely schema
 * `S`: its table names, or any string on an untyped session.
 */
export type CopyTable<S> = unknown extends S ? string : keyof S & string

/** The columns of table `T` in schema `S`, or any string on an untyped session. */
export type CopyColumn<S, T> = unknown extends S ? string : T extends keyof S ? keyof S[T] & string : never

/** What column `C` of table `T` takes on insert (Kysely's `InsertType`), or `unknown` on an untyped session. */
export type CopyValue<S, T, C> = unknown extends S ? unknown : T extends keyof S ? (C extends keyof S[T] ? InsertType<S[T][C]> : never) : never

/** A table and its columns, checked and quoted for SQL. */
export interface CopyTarget {
  /** The table as SQL: `"t"`, or `"schema"."t"` for a name with a dot. */
  readonly table: string
  /** The column names, unquoted, in the order the row values come in. */
  readonly columns: readonly string[]
  /** The column list as SQL: `"a", "b"`. */
  readonly columnList: string
}

/**
 * Checks the table and columns given to `operation` and quotes them: every
 * identifier is double-quoted whatever characters it holds. A table name
 * with one dot is `schema.table`, as in Kysely. Throws
 * {@link InvalidArgumentError} for a name that is not a string, is empty or
 * holds a NUL, a table name with more than one dot, an empty column list or
 * a column named twice.
 *
 * ### Examples
 *
 * ```ts
 * copyTarget('copyFrom', 'audit.events', ['id', 'At'])
 * // { table: '"audit"."events"', columns: ['id', 'At'], columnList: '"id", "At"' }
 * ```
 */
export function copyTarget(operation: string, table: unknown, columns: unknown): CopyTarget {
  checkName(operation, 'table name', table)
  const parts = table.split('.')
  if (parts.length > 2) {
    throw new InvalidArgumentError(
      `${operation}: table ${JSON.stringify(table)} has more than one dot; a dot separates schema and table ("schema.table")`,
    )
  }
  for (const part of parts) checkName(operation, parts.length === 1 ? 'table name' : `part of table ${JSON.stringify(table)}`, part)
  if (!Array.isArray(columns)) {
    throw new InvalidArgumentError(`${operation}: columns must be an array of column names such as ['id', 'name'], got ${describeValue(columns)}`)
  }
  if (columns.length === 0) {
    throw new InvalidArgumentError(`${operation}: the column list is empty; name the columns the row values go to, such as ['id', 'name']`)
  }
  const seen = new Set<string>()
  for (const column of columns as unknown[]) {
    checkName(operation, 'column name', column)
    if (seen.has(column)) throw new InvalidArgumentError(`${operation}: column ${JSON.stringify(column)} is listed twice; name each column once`)
    seen.add(column)
  }
  const names = columns as string[]
  return { table: parts.map(quoteIdentifier).join('.'), columns: names, columnList: names.map(quoteIdentifier).join(', ') }
}

/** `name` as a double-quoted SQL identifier, inner quotes doubled: exact on PostgreSQL and SQLite alike. */
function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`
}

function checkName(operation: string, what: string, name: unknown): asserts name is string {
  if (typeof name !== 'string') throw new InvalidArgumentError(`${operation}: ${what} must be a string, got ${describeValue(name)}`)
  if (name === '') throw new InvalidArgumentError(`${operation}: ${what} must not be empty`)
  if (name.includes('\0')) throw new InvalidArgumentError(`${operation}: ${what} ${JSON.stringify(name)} contains a NUL character: remove it`)
}

/**
 * A short description of a value of the wrong kind, for messages. Never fails.
 *
 * ### Examples
 *
 * ```ts
 * `columns must be an array, got ${describeValue('id')}` // '... got string'
 * ```
 */
export function describeValue(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  return typeof value === 'object' ? 'an object' : typeof value
}
