import type pg from 'pg'
import { findContext } from './postgres-context.js'

/**
 * The `pg.Pool` under a PostgreSQL session (a DB or one of its
 * transactions), for what liteorm does not cover; `undefined` for a session
 * of another backend. Never throws.
 *
 * ### Examples
 *
 * ```ts
 * const p = pool(db)
 * console.log(p?.totalCount, p?.idleCount)
 * ```
 */
export function pool(session: unknown): pg.Pool | undefined {
  return findContext(session)?.pool
}
