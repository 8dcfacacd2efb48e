import { ConnectionError, InvalidArgumentError } from '@liteorm/core'
import pg from 'pg'
import { withOneHost, type DsnHost } from './dsn.js'

/** What `target_session_attrs` asks of a server, as libpq reads it. */
type SessionAttrs = 'any' | 'read-write' | 'read-only' | 'primary' | 'standby'

const ATTRS: readonly SessionAttrs[] = ['any', 'read-write', 'read-only', 'primary', 'standby']

/** How long a host found to fit is tried first without probing the others again. */
const TRUST_MS = 5000

/**
 * Makes a `pg.Client` class for a DSN with several hosts (libpq's
 * `postgres://h1:p1,h2:p2/db?target_session_attrs=read-write`): each new
 * connection goes to the first host, in the DSN's order, that answers and
 * fits `target_session_attrs` (`any`, `read-write`, `read-only`, `primary`,
 * `standby`), so after a failover new connections find the promoted
 * primary. The host that fitted is tried first for a few seconds without
 * probing the others; if it no longer fits, that one connection fails with
 * `ConnectionError` and the next probes again. Throws
 * {@link InvalidArgumentError} for an unknown `target_session_attrs`.
 *
 * ### Examples
 *
 * ```ts
 * const { hosts, params } = parseDsn(url)
 * const Client = multiHostClient(url, hosts, params.get('target_session_attrs'))
 * const pool = new pg.Pool({ connectionString: withOneHost(url, hosts[0]!), Client })
 * ```
 */
export function multiHostClient(dsn: string, hosts: readonly DsnHost[], targetSessionAttrs: string | undefined): typeof pg.Client {
  const attrs = (targetSessionAttrs ?? 'any') as SessionAttrs
  if (!ATTRS.includes(attrs)) {
    throw new InvalidArgumentError(`target_session_attrs must be one of ${ATTRS.join(', ')}; got ${JSON.stringify(targetSessionAttrs)}`)
  }
  let trusted: { host: DsnHost; until: number } | undefined

  /** Connects a throwaway client to each host in turn; the first that fits. */
  const findHost = async (config: pg.ClientConfig): Promise<DsnHost> => {
    const failures: string[] = []
    for (const host of hosts) {
      const probe = new pg.Client({ ...config, connectionString: withOneHost(dsn, host) })
      probe.on('error', () => undefined)
      try {
        await probe.connect()
        const role = await roleOf(probe)
        if (fits(role, attrs)) return host
        failures.push(`${host.host}:${host.port ?? 5432} is ${role.describe}`)
      } catch (error) {
        failures.push(`${host.host}:${host.port ?? 5432}: ${error instanceof Error ? error.message : String(error)}`)
      } finally {
        await probe.end().catch(() => undefined)
      }
    }
    throw new ConnectionError(`no host fits target_session_attrs=${attrs}: ${failures.join('; ')}`)
  }

  return class MultiHostClient extends pg.Client {
    readonly #config: pg.ClientConfig

    constructor(config?: string | pg.ClientConfig) {
      super(config)
      this.#config = typeof config === 'string' ? { connectionString: config } : (config ?? {})
    }

    override connect(): Promise<pg.Client>
    override connect(callback: (err: Error) => void): void
    override connect(callback?: (err: Error) => void): Promise<pg.Client> | void {
      const connecting = this.#connectToFittingHost().then(() => this)
      if (callback === undefined) return connecting
      connecting.then(() => callback(undefined as unknown as Error), callback)
    }

    async #connectToFittingHost(): Promise<void> {
      const fresh = trusted !== undefined && trusted.until > Date.now()
      const host = fresh ? trusted!.host : await findHost(this.#config)
      const self = this as unknown as { host: string; port: number; connectionParameters: { host: string; port: number } }
      self.host = self.connectionParameters.host = host.host
      self.port = self.connectionParameters.port = host.port ?? 5432
      try {
        await super.connect()
        if (attrs !== 'any') {
          const role = await roleOf(this)
          if (!fits(role, attrs)) throw new ConnectionError(`${host.host}:${self.port} is ${role.describe} now, not fit for target_session_attrs=${attrs}`)
        }
      } catch (error) {
        trusted = undefined
        await this.end().catch(() => undefined)
        throw error
      }
      trusted = { host, until: Date.now() + TRUST_MS }
    }
  }
}

interface Role {
  readonly inRecovery: boolean
  readonly readOnly: boolean
  readonly describe: string
}

async function roleOf(client: pg.Client): Promise<Role> {
  const { rows } = await client.query<{ recovery: boolean; ro: string }>("select pg_is_in_recovery() as recovery, current_setting('transaction_read_only') as ro")
  const inRecovery = rows[0]!.recovery
  const readOnly = rows[0]!.ro === 'on'
  return { inRecovery, readOnly, describe: inRecovery ? 'a standby (in recovery)' : readOnly ? 'read-only' : 'a read-write primary' }
}

function fits(role: Role, attrs: SessionAttrs): boolean {
  switch (attrs) {
    case 'any':
      return true
    case 'read-write':
      return !role.readOnly
    case 'read-only':
      return role.readOnly
    case 'primary':
      return !role.inRecovery
    case 'standby':
      return role.inRecovery
  }
}
