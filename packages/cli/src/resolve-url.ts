import { UsageError } from './usage-error.js'

/**
 * Where a database URL came from: the `--url` option or an environment
 * variable. Messages name it instead of repeating the URL.
 *
 * ### Examples
 *
 * ```ts
 * const source: UrlSource = 'LITEORM_LISTEN_URL'
 * ```
 */
export type UrlSource = '--url' | 'LITEORM_LISTEN_URL' | 'DATABASE_URL'

/**
 * A database URL and where it came from.
 *
 * ### Examples
 *
 * ```ts
 * const { url, source } = resolveUrl(undefined, process.env) // source: 'DATABASE_URL'
 * ```
 */
export interface ResolvedUrl {
  readonly url: string
  readonly source: UrlSource
}

/**
 * Picks the database URL: `--url`, else `LITEORM_LISTEN_URL` (the direct
 * server address a deployment behind a pooler gives its listeners), else
 * `DATABASE_URL`. An empty variable counts as unset. Throws
 * {@link UsageError} when `--url` is empty or none is set.
 *
 * ### Examples
 *
 * ```ts
 * resolveUrl('sqlite:app.db', { DATABASE_URL: 'postgres://db/app' }) // { url: 'sqlite:app.db', source: '--url' }
 * resolveUrl(undefined, { DATABASE_URL: 'postgres://db/app' })       // { url: 'postgres://db/app', source: 'DATABASE_URL' }
 * ```
 */
export function resolveUrl(flag: string | undefined, env: Readonly<Record<string, string | undefined>>): ResolvedUrl {
  if (flag !== undefined) {
    if (flag.trim() === '') throw new UsageError('--url is empty: give a postgres://, postgresql:// or sqlite: URL')
    return { url: flag, source: '--url' }
  }
  for (const source of ['LITEORM_LISTEN_URL', 'DATABASE_URL'] as const) {
    const url = env[source]
    if (url !== undefined && url.trim() !== '') return { url, source }
  }
  throw new UsageError('no database URL: pass --url URL, or set LITEORM_LISTEN_URL or DATABASE_URL')
}
