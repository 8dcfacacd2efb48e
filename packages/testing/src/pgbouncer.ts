import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { chmodSync, chownSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connect } from 'node:net'
import { freePort } from './free-port.js'
import { serverUser } from './system-user.js'

/**
 * A PgBouncer in front of a test server.
 *
 * ### Examples
 *
 * ```ts
 * const bouncer: PgBouncer = await startPgBouncer(server.url)
 * const db = open(bouncer.url)
 * ```
 */
export interface PgBouncer {
  /** `serverUrl` with its host and port replaced by the bouncer's. */
  readonly url: string
  /** Stops the bouncer and removes its files; idempotent. */
  stop(): Promise<void>
}

/**
 * Whether a `pgbouncer` command is installed (Debian: `apt-get install pgbouncer`).
 *
 * ### Examples
 *
 * ```ts
 * describe.skipIf(!pgBouncerInstalled())('behind PgBouncer', () => { ... })
 * ```
 */
export function pgBouncerInstalled(): boolean {
  try {
    execFileSync('pgbouncer', ['--version'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

/**
 * Starts a real PgBouncer (the system's `pgbouncer` command) on a free
 * loopback port in front of the server at `serverUrl`, in `poolMode`
 * (default `transaction`, the mode that cannot carry LISTEN), with the
 * URL's user and password. As root it runs as the `postgres` user, since
 * PgBouncer refuses to run as root. Rejects when PgBouncer is missing or
 * does not start.
 *
 * ### Examples
 *
 * ```ts
 * const bouncer = await startPgBouncer(server.url)
 * const db = open({ url: bouncer.url, listenUrl: server.url })
 * await bouncer.stop()
 * ```
 */
export async function startPgBouncer(serverUrl: string, poolMode: 'session' | 'transaction' | 'statement' = 'transaction'): Promise<PgBouncer> {
  const target = new URL(serverUrl)
  const user = decodeURIComponent(target.username)
  const password = decodeURIComponent(target.password)
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'liteorm-pgbouncer-'))
  chmodSync(dir, 0o755)
  const config = join(dir, 'pgbouncer.ini')
  const quote = (text: string): string => `"${text.replaceAll('"', '""')}"`
  writeFileSync(join(dir, 'userlist.txt'), `${quote(user)} ${quote(password)}\n`, { mode: 0o600 })
  writeFileSync(
    config,
    [
      '[databases]',
      `* = host=${target.hostname} port=${target.port || 5432}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      'auth_type = scram-sha-256',
      `auth_file = ${join(dir, 'userlist.txt')}`,
      `pool_mode = ${poolMode}`,
      'max_client_conn = 500',
      'default_pool_size = 20',
      'ignore_startup_parameters = extra_float_digits,options',
      `logfile = ${join(dir, 'pgbouncer.log')}`,
      '',
    ].join('\n'),
  )
  const owner = await serverUser()
  if (owner !== undefined) for (const file of [dir, config, join(dir, 'userlist.txt')]) chownSync(file, owner.uid, owner.gid)
  const child: ChildProcess = spawn('pgbouncer', [config], { stdio: ['ignore', 'ignore', 'pipe'], ...owner })
  let log = ''
  child.stderr?.on('data', (chunk: Buffer) => void (log += chunk.toString('utf8')))
  try {
    await waitForPort(port, child, () => log)
  } catch (error) {
    child.kill('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
    throw error
  }
  const url = new URL(serverUrl)
  url.hostname = '127.0.0.1'
  url.port = String(port)
  let stopped: Promise<void> | undefined
  return {
    url: url.toString(),
    stop: () =>
      (stopped ??= new Promise<void>((resolve) => {
        child.once('exit', () => resolve())
        if (child.exitCode !== null || child.signalCode !== null) resolve()
        else child.kill('SIGINT')
      }).then(() => rmSync(dir, { recursive: true, force: true }))),
  }
}

/** Resolves once `port` accepts TCP connections; rejects with PgBouncer's output if it exits or takes over 10 s. */
async function waitForPort(port: number, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 10_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`PgBouncer exited (code ${child.exitCode}):\n${log()}`)
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1')
      socket.once('connect', () => {
        socket.destroy()
        resolve(true)
      })
      socket.once('error', () => resolve(false))
    })
    if (open) return
    if (Date.now() > deadline) throw new Error(`PgBouncer did not listen on port ${port} within 10 s:\n${log()}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}
