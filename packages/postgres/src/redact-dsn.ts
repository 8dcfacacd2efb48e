import { passwordOf, redact } from '@liteorm/core/backend'
import type { PoolConfig } from 'pg'
import { parseDsn } from './dsn.js'

/**
 * Describes where a pool connects, for error messages, without its password:
 * `app@db.internal:5432/orders`, every host of a multi-host DSN
 * (`app@db1:5432,db2:5432/orders`). Never fails; unknown parts are left out.
 *
 * ### Examples
 *
 * ```ts
 * describeTarget({ connectionString: 'postgres://app:s3cret@db:5432/orders' }) // 'app@db:5432/orders'
 * ```
 */
export function describeTarget(config: PoolConfig): string {
  let { user, database } = config
  let hosts = [`${config.host ?? 'localhost'}:${config.port ?? 5432}`]
  if (config.connectionString !== undefined) {
    try {
      const dsn = parseDsn(config.connectionString)
      user ??= dsn.user
      database ??= dsn.database
      const socket = dsn.params.get('host')
      if (config.host === undefined && dsn.hosts.length > 0) hosts = dsn.hosts.map((h) => `${h.host}:${config.port ?? h.port ?? 5432}`)
      else if (config.host === undefined && socket !== undefined) hosts = [`${socket}:${config.port ?? 5432}`]
    } catch {
      return 'the server in the connection string'
    }
  }
  const who = user === undefined ? '' : `${user}@`
  return `${who}${hosts.join(',')}${database === undefined ? '' : `/${database}`}`
}

/**
 * Finds the password a pool config carries (in `password` or in the DSN), so
 * that messages can be scrubbed of it. Returns `undefined` when there is none.
 *
 * ### Examples
 *
 * ```ts
 * secretOf({ connectionString: 'postgres://app:s3cret@db/orders' }) // 's3cret'
 * ```
 */
export function secretOf(config: PoolConfig): string | undefined {
  if (typeof config.password === 'string' && config.password !== '') return config.password
  return config.connectionString === undefined ? undefined : passwordOf(config.connectionString)
}

/**
 * Scrubs `secrets` (raw and URL-encoded) out of every string property of a
 * driver error in place (`message`, `stack`, `detail`, `where`, …), so that
 * logging a mapped error's `cause` cannot show it either. Returns `error`.
 *
 * ### Examples
 *
 * ```ts
 * redactError(pgError, ['s3cret']).message // 'password "***" is wrong'
 * ```
 */
export function redactError(error: unknown, secrets: readonly (string | undefined)[]): unknown {
  if (typeof error !== 'object' || error === null) return error
  const fields = error as Record<string, unknown>
  for (const key of new Set([...Object.getOwnPropertyNames(error), 'message', 'stack'])) {
    const value = fields[key]
    if (typeof value === 'string') {
      const scrubbed = redact(value, secrets)
      if (scrubbed !== value) fields[key] = scrubbed
    }
  }
  return error
}
