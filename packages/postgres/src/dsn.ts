import { InvalidArgumentError } from '@liteorm/core'

/** One `host[:port]` of a DSN. */
export interface DsnHost {
  readonly host: string
  readonly port: number | undefined
}

/**
 * A PostgreSQL DSN taken apart: `postgres://user:password@h1:p1,h2:p2/db?k=v`.
 * Values are percent-decoded.
 */
interface ParsedDsn {
  readonly user: string | undefined
  readonly password: string | undefined
  /** Empty for a DSN that names no host (Unix socket, `?host=` or libpq's defaults). */
  readonly hosts: readonly DsnHost[]
  readonly database: string | undefined
  readonly params: ReadonlyMap<string, string>
}

const SCHEME = /^(postgres|postgresql):\/\//i
const EXAMPLE = 'postgres://user:password@host:5432/database'
const NOT_SHOWN = 'the DSN itself is not shown, as it may hold a password'
const ENCODE_HINT = 'a password holding : / ? # @ must be percent-encoded'

/**
 * Takes a PostgreSQL DSN apart, checking what node-postgres would otherwise
 * reject only at the first query: the scheme, the URL's shape, percent
 * escapes and every port. Accepts several comma-separated hosts
 * (`h1:5432,h2:5433`) and bracketed IPv6 hosts. Throws
 * {@link InvalidArgumentError} saying what is wrong; no message, stack or
 * cause ever contains the DSN or its password.
 *
 * ### Examples
 *
 * ```ts
 * parseDsn('postgres://app:s3cret@db1:5432,db2:5432/orders?target_session_attrs=read-write').hosts.length // 2
 * parseDsn('postgres://app@db:notaport/orders') // throws InvalidArgumentError: the DSN has a port that is not a number ...
 * ```
 */
export function parseDsn(dsn: string): ParsedDsn {
  const text = dsn.trim()
  if (text === '') throw new InvalidArgumentError(`open() needs a DSN such as ${EXAMPLE}, got an empty string`)
  const scheme = SCHEME.exec(text)
  if (scheme === null) {
    const given = /^([a-z][a-z0-9+.-]*):/i.exec(text)?.[1]
    const what = given === undefined ? 'it has no scheme' : `its scheme is '${given}:'`
    throw new InvalidArgumentError(`open() needs a DSN starting with postgres:// or postgresql://, such as ${EXAMPLE}, but ${what} (${NOT_SHOWN})`)
  }
  const rest = text.slice(scheme[0].length)
  const authorityEnd = firstIndexOf(rest, ['/', '?', '#'])
  const authority = rest.slice(0, authorityEnd)
  const at = authority.lastIndexOf('@')
  const userinfo = at === -1 ? undefined : authority.slice(0, at)
  const colon = userinfo?.indexOf(':') ?? -1
  const user = userinfo === undefined ? undefined : decode(colon === -1 ? userinfo : userinfo.slice(0, colon), 'user name')
  const password = userinfo === undefined || colon === -1 ? undefined : decode(userinfo.slice(colon + 1), 'password')
  const hostList = authority.slice(at + 1)
  const hosts = hostList === '' ? [] : hostList.split(',').map(parseHost)
  const afterAuthority = rest.slice(authorityEnd).replace(/#.*$/s, '')
  const queryStart = afterAuthority.indexOf('?')
  const path = queryStart === -1 ? afterAuthority : afterAuthority.slice(0, queryStart)
  const database = path.length > 1 ? decode(path.slice(1), 'database name') : undefined
  const params = new Map<string, string>()
  if (queryStart !== -1) {
    for (const pair of afterAuthority.slice(queryStart + 1).split('&')) {
      if (pair === '') continue
      const eq = pair.indexOf('=')
      const key = decode((eq === -1 ? pair : pair.slice(0, eq)).replaceAll('+', ' '), 'query parameter')
      params.set(key, decode((eq === -1 ? '' : pair.slice(eq + 1)).replaceAll('+', ' '), `query parameter '${key}'`))
    }
  }
  return { user: user || undefined, password: password || undefined, hosts, database, params }
}

function parseHost(item: string): DsnHost {
  if (item === '') throw new InvalidArgumentError(`the DSN's host list has an empty entry: write host1:5432,host2:5432 (${NOT_SHOWN})`)
  const bracketed = /^\[([0-9a-f:.]+)\](?::(.*))?$/i.exec(item)
  if (bracketed !== null) return { host: bracketed[1]!, port: parsePort(bracketed[2]) }
  if (item.startsWith('[')) throw new InvalidArgumentError(`the DSN has a host that is not a valid bracketed IPv6 address such as [::1]:5432 (${NOT_SHOWN})`)
  const colon = item.lastIndexOf(':')
  const host = decode(colon === -1 ? item : item.slice(0, colon), 'host')
  if (host === '' || /[\s/\\@?#]/.test(host)) throw new InvalidArgumentError(`the DSN has a host that is not a valid host name (${NOT_SHOWN}; ${ENCODE_HINT})`)
  return { host, port: parsePort(colon === -1 ? undefined : item.slice(colon + 1)) }
}

function parsePort(text: string | undefined): number | undefined {
  if (text === undefined || text === '') return undefined
  const port = /^\d{1,5}$/.test(text) ? Number(text) : NaN
  if (!(port >= 1 && port <= 65_535)) throw new InvalidArgumentError(`the DSN has a port that is not a number from 1 to 65535 (${NOT_SHOWN}; ${ENCODE_HINT})`)
  return port
}

function decode(text: string, what: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    // Not echoed: for the password, the text is the secret itself.
    throw new InvalidArgumentError(`the DSN's ${what} has a malformed percent escape: encode it with encodeURIComponent (${NOT_SHOWN})`)
  }
}

function firstIndexOf(text: string, marks: readonly string[]): number {
  const found = marks.map((m) => text.indexOf(m)).filter((i) => i !== -1)
  return found.length === 0 ? text.length : Math.min(...found)
}

/**
 * `dsn` with its host list replaced by the one `host` (IPv6 bracketed), all
 * else kept as written: what node-postgres, which reads one host, is given
 * for each host of a multi-host DSN.
 *
 * ### Examples
 *
 * ```ts
 * withOneHost('postgres://app@db1:5432,db2:5433/orders', { host: 'db2', port: 5433 }) // 'postgres://app@db2:5433/orders'
 * ```
 */
export function withOneHost(dsn: string, host: DsnHost): string {
  const text = dsn.trim()
  const scheme = SCHEME.exec(text)![0]
  const rest = text.slice(scheme.length)
  const authorityEnd = firstIndexOf(rest, ['/', '?', '#'])
  const authority = rest.slice(0, authorityEnd)
  const at = authority.lastIndexOf('@')
  const name = host.host.includes(':') ? `[${host.host}]` : encodeURIComponent(host.host)
  return `${scheme}${authority.slice(0, at + 1)}${name}${host.port === undefined ? '' : `:${host.port}`}${rest.slice(authorityEnd)}`
}
