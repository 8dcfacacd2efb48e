import { InvalidArgumentError, type Query } from '@liteorm/core'
import { RawNode, ValueNode, type RawBuilder } from 'kysely'

/** A statement's SQL text and the values bound to its `?` placeholders. */
export interface Statement {
  readonly sql: string
  readonly parameters: readonly unknown[]
}

/** What Kysely compiles a query with: a `Kysely` instance. */
export type Compiler = Parameters<RawBuilder<unknown>['compile']>[0]

/**
 * Compiles what a session's `query`, `queryOne` and `exec` accept (a Kysely
 * query, a `CompiledQuery` or a `sql` template) into SQL and parameters, as
 * the session's Kysely compiles them, remembering the SQL of each `sql`
 * template whose parameters are all plain values.
 *
 * That SQL depends on the template's text alone: Kysely compiles such a
 * template into its strings joined by one `?` per value, and binds the
 * values in order. A template's strings are a frozen array, one per place
 * in the source, so it is the key: the first use compiles with Kysely and
 * keeps the SQL, later ones take it and the values. Any other template (one
 * that nests `sql`, `sql.id`, `sql.lit`, `sql.join`, a builder...) and any
 * other query is compiled in full every time. `kysely` must have no plugins
 * (the DB's own has none); a template's own plugins apply as in Kysely.
 *
 * Throws {@link InvalidArgumentError} for anything else, and Kysely's
 * errors when a query cannot be compiled.
 *
 * ### Examples
 *
 * ```ts
 * const compiler = new CachingCompiler(kysely)
 * compiler.compile(sql`select name from kv where id = ${1}`) // { sql: 'select name from kv where id = ?', parameters: [1] }
 * ```
 */
export class CachingCompiler {
  readonly #kysely: Compiler
  readonly #texts = new WeakMap<readonly string[], string>()

  constructor(kysely: Compiler) {
    this.#kysely = kysely
  }

  compile(q: Query<unknown>): Statement {
    if (q === null || typeof q !== 'object') throw invalidQuery()
    if ('sql' in q && typeof q.sql === 'string' && 'parameters' in q) return q
    if (!('compile' in q) || typeof q.compile !== 'function') throw invalidQuery()
    if ('isRawBuilder' in q && q.isRawBuilder === true) return this.#template(q as RawBuilder<unknown>) ?? q.compile(this.#kysely)
    return (q as RawBuilder<unknown>).compile(this.#kysely)
  }

  /** A template of plain values, compiled once; `undefined` for any other. */
  #template(q: RawBuilder<unknown>): Statement | undefined {
    const node = q.toOperationNode()
    const parameters = plainValues(node)
    if (parameters === undefined) return undefined
    const sql = this.#texts.get(node.sqlFragments)
    if (sql !== undefined) return { sql, parameters }
    const compiled = q.compile(this.#kysely)
    if (RawNode.is(compiled.query) && plainValues(compiled.query) !== undefined) this.#texts.set(compiled.query.sqlFragments, compiled.sql)
    return compiled
  }
}

/**
 * The values of a `sql` template whose parameters are all bound values
 * (none written into the SQL, as `sql.lit`'s are, nor SQL of their own), in
 * order; `undefined` for any other node.
 */
function plainValues(node: RawNode): unknown[] | undefined {
  const { sqlFragments, parameters: nodes } = node
  if (!('raw' in sqlFragments) || nodes.length !== sqlFragments.length - 1) return undefined
  const values: unknown[] = new Array(nodes.length)
  for (let i = 0; i < nodes.length; i++) {
    const parameter = nodes[i]!
    if (!ValueNode.is(parameter) || parameter.immediate === true) return undefined
    values[i] = parameter.value
  }
  return values
}

function invalidQuery(): InvalidArgumentError {
  return new InvalidArgumentError('query needs a Kysely query, a CompiledQuery or a sql`...` template')
}
