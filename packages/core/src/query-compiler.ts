import { RawNode, ValueNode, type CompiledQuery, type RawBuilder } from 'kysely'
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
  if (!('isRawBuilder' in q) || q.isRawBuilder !== true) return builder.compile(kysely)
  const node = builder.toOperationNode()
  const parameters = plainValues(node)
  if (parameters === undefined) return builder.compile(kysely)
  const sql = cache.get(node.sqlFragments)
  // A plain object on the hot path: CompiledQuery.raw would freeze four objects per call.
  // Kysely 0.28 identifies a compiled query by a unique object (0.27 has none, and no createQueryId to import).
  if (sql !== undefined) return { query: node, queryId: { queryId: '' }, sql, parameters }
  const compiled = builder.compile(kysely)
  if (RawNode.is(compiled.query) && plainValues(compiled.query) !== undefined) cache.set(compiled.query.sqlFragments, compiled.sql)
  return compiled
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
