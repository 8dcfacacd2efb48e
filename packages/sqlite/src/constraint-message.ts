/** Where a constraint violation happened, as SQLite's message tells it. */
interface ConstraintLocation {
  readonly constraint?: string
  readonly table?: string
  readonly column?: string
}

const UNIQUE = /^UNIQUE constraint failed: (.+)$/
const NOT_NULL = /^NOT NULL constraint failed: (.+)$/
const CHECK = /^CHECK constraint failed: (.+)$/
const INDEX = /^index '(.+)'$/
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_$]*$/

/**
 * Reads table, column and constraint out of SQLite's constraint messages,
 * which carry no structured fields: `UNIQUE constraint failed: users.email`,
 * `UNIQUE constraint failed: t.a, t.b` (table only: several columns),
 * `UNIQUE constraint failed: index 'ix'` (constraint only),
 * `NOT NULL constraint failed: t.c`, and `CHECK constraint failed: name`
 * (a named constraint; an unnamed one shows its expression, which is not
 * reported as a name). Never fails: what it cannot read is left out.
 *
 * ### Examples
 *
 * ```ts
 * parseConstraintMessage('UNIQUE constraint failed: users.email') // { table: 'users', column: 'email' }
 * parseConstraintMessage('CHECK constraint failed: positive_qty') // { constraint: 'positive_qty' }
 * ```
 */
export function parseConstraintMessage(message: string): ConstraintLocation {
  const unique = UNIQUE.exec(message)
  if (unique !== null) {
    const what = unique[1]!
    const index = INDEX.exec(what)
    if (index !== null) return { constraint: index[1]! }
    const columns = what.split(', ').map(splitQualified)
    const table = columns[0]!.table
    if (!columns.every((c) => c.table === table)) return {}
    return columns.length === 1 ? { table, column: columns[0]!.column } : { table }
  }
  const notNull = NOT_NULL.exec(message)
  if (notNull !== null) return splitQualified(notNull[1]!)
  const check = CHECK.exec(message)
  if (check !== null && IDENTIFIER.test(check[1]!)) return { constraint: check[1]! }
  return {}
}

function splitQualified(name: string): { table?: string; column?: string } {
  const dot = name.indexOf('.')
  return dot < 0 ? { column: name } : { table: name.slice(0, dot), column: name.slice(dot + 1) }
}
