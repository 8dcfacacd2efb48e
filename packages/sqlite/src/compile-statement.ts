import { compileQuery, type Query, type QueryCompilerSource, type TemplateCache } from '@liteorm/core'
import { ValueNode, type RawBuilder, type RawNode } from 'kysely'

/** A statement's SQL text and the values bound to its `?` placeholders. */
export interface Statement {
  readonly sql: string
  readonly parameters: readonly unknown[]
}

/**
 * Compiles what a session's `query`, `queryOne` and `exec` accept into SQL
 * and parameters, as core's `compileQuery` does with the same `cache`, but
 * without making a `CompiledQuery` when a `sql` template of plain values
 * finds its SQL in the cache (Kysely's `CompiledQuery.raw` freezes four
 * objects: a quarter of a microsecond, a tenth of a cached statement's run).
 * Anything else goes to `compileQuery`, which also fills the cache.
 *
 * Throws what `compileQuery` throws: `InvalidArgumentError` for something
 * that is not a query, Kysely's errors for a query that cannot be compiled.
 *
 * ### Examples
 *
 * ```ts
 * compileStatement(sql`select name from kv where id = ${1}`, kysely, cache) // { sql: 'select name from kv where id = ?', parameters: [1] }
 * ```
 */
export function compileStatement(q: Query<unknown>, kysely: QueryCompilerSource, cache: TemplateCache): Statement {
  if (q !== null && typeof q === 'object' && 'isRawBuilder' in q && q.isRawBuilder === true) {
    const node = (q as RawBuilder<unknown>).toOperationNode()
    const sql = cache.get(node.sqlFragments)
    if (sql !== undefined) {
      const parameters = plainValues(node)
      if (parameters !== undefined) return { sql, parameters }
    }
  }
  return compileQuery(q, kysely, cache)
}

/**
 * The values of a `sql` template whose parameters are all bound values
 * (none written into the SQL, as `sql.lit`'s are, nor SQL of their own), in
 * order; `undefined` for any other node. The same test as `compileQuery`'s:
 * a template's SQL is cached only when it passes.
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
