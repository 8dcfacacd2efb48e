import type { ResolvedUrl } from './resolve-url.js'
import { UsageError } from './usage-error.js'

/**
 * The database a command works on: a PostgreSQL server (by its URL, passed
 * to `@liteorm/postgres` as it is) or an SQLite file (by its path).
 *
 * ### Examples
 *
 * ```ts
 * const target: DatabaseTarget = { dialect: 'sqlite', filename: 'app.db' }
 * ```
 */
export type DatabaseTarget = { readonly dialect: 'postgres'; readonly url: string } | { readonly dialect: 'sqlite'; readonly filename: string }

/**
 * Reads what a database URL names. `postgres://…` and `postgresql://…` are
 * PostgreSQL URLs. `sqlite:PATH` names a file by a path taken literally,
 * relative to the working directory unless it starts with `/`
 * (`sqlite:data/app.db`, `sqlite:/var/lib/app.db`); `sqlite:///ABSOLUTE/PATH`
 * is the URL form, percent-decoded (`sqlite:///var/lib/my%20app.db`).
 * Throws {@link UsageError}, naming `source` and never the URL, for another
 * scheme, a `sqlite://` URL with a host, an empty path or `:memory:` (which
 * no other process can see).
 *
 * ### Examples
 *
 * ```ts
 * databaseTarget({ url: 'sqlite:data/app.db', source: '--url' })         // { dialect: 'sqlite', filename: 'data/app.db' }
 * databaseTarget({ url: 'sqlite:///srv/app.db', source: '--url' })       // { dialect: 'sqlite', filename: '/srv/app.db' }
 * databaseTarget({ url: 'postgres://db/app', source: 'DATABASE_URL' })   // { dialect: 'postgres', url: 'postgres://db/app' }
 * ```
 */
export function databaseTarget({ url, source }: ResolvedUrl): DatabaseTarget {
  const trimmed = url.trim()
  if (/^postgres(ql)?:\/\//i.test(trimmed)) return { dialect: 'postgres', url: trimmed }
  if (/^sqlite:/i.test(trimmed)) return { dialect: 'sqlite', filename: sqlitePath(trimmed.slice('sqlite:'.length), source) }
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(trimmed)?.[1]
  const what = scheme === undefined ? 'is not a URL' : `has the scheme "${scheme}:"`
  throw new UsageError(`${source} ${what}; use postgres://, postgresql:// or sqlite:`)
}

function sqlitePath(rest: string, source: ResolvedUrl['source']): string {
  let path = rest
  if (rest.startsWith('//')) {
    if (!rest.startsWith('///')) {
      throw new UsageError(`${source}: a sqlite:// URL has no host; write sqlite:///absolute/path.db or sqlite:relative/path.db`)
    }
    try {
      path = decodeURIComponent(rest.slice(2))
    } catch {
      throw new UsageError(`${source}: the sqlite:/// URL has a malformed percent escape`)
    }
  }
  if (path === '') throw new UsageError(`${source}: the sqlite: URL names no file; write sqlite:path/to/file.db`)
  if (path === ':memory:') {
    throw new UsageError(`${source}: an in-memory SQLite database is private to one process; name a file, such as sqlite:app.db`)
  }
  return path
}
