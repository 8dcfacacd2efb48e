import { createQueryId, RawNode, ValueNode, type CompiledQuery, type RawBuilder } from 'kysely'
import { InvalidArgumentError } from './errors.js'
import type { Query } from './session.js'

/** What Kysely compiles a query with: a `Kysely` instance (or a transaction). */
export type QueryCompilerSource = Parameters<RawBuilder<unknown>['compile']>[0]

/**
 * The SQL of `sql` templates already compiled, by the template's strings
 * array. One per DB: the text depends on the dialect's compiler.
 */
export type TemplateCache = WeakMap<readonly string[], string>

/**
 * Compiles what `query`, `queryOne` and `exec` accept — a Kysely query, a
 * `CompiledQuery` or a `sql` template — as `kysely` compiles it, reusing the
 * SQL of a `sql` template whose interpolations are all plain values.
 *
 * Such a template compiles to its strings joined by one placeholder per
 * value, with the values bound in order, so its SQL depends on its strings
 * alone; and those are one frozen array per place in the source, which makes
 * them the key. Any other template (nesting `sql`, `sql.id`, `sql.lit`,
 * `sql.join`, a builder...) and any other query is compiled in full. `kysely`
 * must carry no plugins (a DB's own Kysely has none); a template's own
 * plugins apply as in Kysely.
 *
 * Throws {@link InvalidArgumentError} for something that is not a query, and
 * Kysely's errors for a query that cannot be compiled.
 *
 * ### Examples
 *
 * ```ts
 * const cache: TemplateCache = new WeakMap()
 * compileQuery(sql`select name from kv where id = ${1}`, kysely, cache) // { sql: 'select name from kv where id = $1', parameters: [1], ... }
 * ```
 */
export function compileQuery<R>(q: Query<R>, kysely: QueryCompilerSource, cache: TemplateCache): CompiledQuery<R> {
  if (q === null || typeof q !== 'object') throw invalidQuery()
  if ('sql' in q && typeof q.sql === 'string' && 'parameters' in q) return q
  if (!('compile' in q) || typeof q.compile !== 'function') throw invalidQuery()
  const builder = q as RawBuilder<R>
  const template = plainTemplate(q)
  if (template === undefined) return builder.compile(kysely)
  const { node, values } = template
  const sql = cache.get(node.sqlFragments)
  // A plain object on the hot path: CompiledQuery.raw would freeze four objects per call.
  if (sql !== undefined) return { query: node, queryId: createQueryId(), sql, parameters: values }
  const compiled = builder.compile(kysely)
  if (RawNode.is(compiled.query) && plainValues(compiled.query) !== undefined) cache.set(compiled.query.sqlFragments, compiled.sql)
  return compiled
}

/** A `sql` template whose interpolations are all plain values, as {@link plainTemplate} finds it. */
export interface PlainTemplate {
  /** Its node; `node.sqlFragments`, one frozen array per place in the source, identifies its SQL. */
  readonly node: RawNode
  /** The values it binds, in order. */
  readonly values: unknown[]
}

/**
 * The node and values of `q` when it is a `sql` template whose
 * interpolations are all plain values — the templates whose SQL
 * {@link compileQuery} compiles once per place in the source — and
 * `undefined` for anything else (another template, a builder, a
 * `CompiledQuery`, a value that is not a query). A backend uses it to keep
 * what it derives from such a template's SQL by `node.sqlFragments`. Throws
 * only what the template's own plugins throw.
 *
 * ### Examples
 *
 * ```ts
 * plainTemplate(sql`select name from kv where id = ${1}`) // { node: RawNode { sqlFragments: ['select name from kv where id = ', ''], ... }, values: [1] }
 * plainTemplate(sql`select ${sql.lit(1)}`)              // undefined
 * ```
 */
export function plainTemplate(q: unknown): PlainTemplate | undefined {
  if (typeof q !== 'object' || q === null || !('isRawBuilder' in q) || q.isRawBuilder !== true) return undefined
  const node = (q as RawBuilder<unknown>).toOperationNode()
  const values = plainValues(node)
  return values === undefined ? undefined : { node, values }
}

/**
 * The values of a `sql` template whose parameters are all bound values
 * (none written into the SQL, as `sql.lit`'s are, nor SQL of their own), in
 * order; `undefined` for any other node.
 */
function plainValues(node: RawNode): unknown[] | undefined {
  const { sqlFragments, parameters: nodes } = node
  if (nodes.length !== sqlFragments.length - 1 || !('raw' in sqlFragments)) return undefined
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
