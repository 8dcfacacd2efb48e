import { execFile } from 'node:child_process'
import { startEmbeddedPostgres } from './embedded-postgres.js'

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
 * embedded PostgreSQL started from npm's binaries in a temporary directory.
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
  const server = await startEmbeddedPostgres()
  return { url: server.url, source: 'embedded-postgres', stop: server.stop }
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
