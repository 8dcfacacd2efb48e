import { InvalidArgumentError } from './errors.js'
import type { Dialect } from './session.js'

/**
 * The error a backend's `notify`, `listen` or `subscribe` throws when given
 * something that is not one of its own sessions: it names what was given,
 * and for another backend's session, which backend to use instead.
 *
 * ### Examples
 *
 * ```ts
 * if (context === undefined) throw foreignSessionError(session, 'listen', 'postgres')
 * // InvalidArgumentError: listen from @liteorm/postgres needs a PostgreSQL session, got one on sqlite: use that backend's listen
 * ```
 */
export function foreignSessionError(session: unknown, operation: string, backend: Dialect): InvalidArgumentError {
  const dialect = typeof session === 'object' && session !== null && 'dialect' in session ? String(session.dialect) : undefined
  const name = backend === 'postgres' ? 'PostgreSQL' : 'SQLite'
  const article = backend === 'postgres' ? 'a' : 'an'
  return new InvalidArgumentError(
    dialect === undefined
      ? `${operation} needs a DB from @liteorm/${backend}'s open(), got ${session === null ? 'null' : typeof session}`
      : `${operation} from @liteorm/${backend} needs ${article} ${name} session, got one on ${dialect}: use that backend's ${operation}`,
  )
}
