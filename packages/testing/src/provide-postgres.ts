import { execFile } from 'node:child_process'
import { startEmbeddedPostgres } from './embedded-postgres.js'

/**
 * A PostgreSQL server for tests, demos and benches, whatever its source.
 *
 * ### Examples
 *
 * ```ts
 * const server: PostgresServer = await providePostgres()
 * console.log(server.source) // 'embedded-postgres'
 * ```
 */
export interface PostgresServer {
  /** Superuser URL of the server's `postgres` database. */
  readonly url: string
  /** Where it came from: `DATABASE_URL`, `testcontainers` or `embedded-postgres`. */
  readonly source: 'DATABASE_URL' | 'testcontainers' | 'embedded-postgres'
  /** Stops what this process started (nothing for `DATABASE_URL`). */
  stop(): Promise<void>
}

/**
 * Finds a PostgreSQL server, in this order: `DATABASE_URL` if set; else a
 * testcontainers container if a container engine answers (`docker info`)
 * and `@testcontainers/postgresql` is installed; else an embedded
 * PostgreSQL started from npm's binaries in a temporary directory. Rejects
 * when the chosen source fails to start, with its reason.
 *
 * ### Examples
 *
 * ```ts
 * const server = await providePostgres()
 * const db = open(server.url)
 * // ...
 * await db.close()
 * await server.stop()
 * ```
 */
export async function providePostgres(): Promise<PostgresServer> {
  const fromEnv = process.env.DATABASE_URL
  if (fromEnv !== undefined && fromEnv !== '') {
    return { url: fromEnv, source: 'DATABASE_URL', stop: async () => {} }
  }
  const container = (await containerEngineAnswers()) ? await startContainer() : undefined
  if (container !== undefined) return container
  const server = await startEmbeddedPostgres()
  return { url: server.url, source: 'embedded-postgres', stop: server.stop }
}

/** A PostgreSQL 18 container, or `undefined` when `@testcontainers/postgresql` is not installed. */
async function startContainer(): Promise<PostgresServer | undefined> {
  const name = '@testcontainers/postgresql'
  const module = (await import(name).catch(() => undefined)) as typeof import('@testcontainers/postgresql') | undefined
  if (module === undefined) return undefined
  const container = await new module.PostgreSqlContainer('postgres:18-alpine').start()
  return { url: container.getConnectionUri(), source: 'testcontainers', stop: async () => void (await container.stop()) }
}

function containerEngineAnswers(): Promise<boolean> {
  return new Promise((resolve) => {
    execFile('docker', ['info'], { timeout: 5000 }, (error) => resolve(error === null))
  })
}
