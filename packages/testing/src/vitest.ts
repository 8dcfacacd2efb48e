import { afterAll, inject } from 'vitest'
import type { TestProject } from 'vitest/node'
import { createDatabase } from './create-database.js'
import { providePostgres } from './provide-postgres.js'

declare module 'vitest' {
  export interface ProvidedContext {
    /** Superuser URL of the run's shared PostgreSQL server; each test file makes its own database on it. */
    liteormServerUrl: string
  }
}

/**
 * Vitest global setup: starts one PostgreSQL server for the whole run
 * ({@link providePostgres}: `DATABASE_URL`, else testcontainers, else
 * embedded) and hands its URL to every worker; stops it after the run.
 * Nothing it loads touches the runner's exit code. Rejects, failing the run,
 * when no server can be started.
 *
 * ### Examples
 *
 * ```ts
 * // test/global-setup.ts, listed in vitest.config.ts as globalSetup: ['test/global-setup.ts']
 * export { setupPostgres as default } from '@liteorm/testing/vitest'
 * ```
 */
export async function setupPostgres(project: TestProject): Promise<() => Promise<void>> {
  const server = await providePostgres()
  project.provide('liteormServerUrl', server.url)
  return () => server.stop()
}

/**
 * Gives the calling test file its own, empty database on the run's server
 * and drops it after the file's tests, so files can run in parallel. Call it
 * in a `beforeAll` or at the top of a test file. Fails when the global setup
 * ({@link setupPostgres}) is missing or the server refuses `CREATE DATABASE`.
 *
 * ### Examples
 *
 * ```ts
 * let db: DB<Schema>
 * beforeAll(async () => { db = open(await useDatabase('orders')) })
 * afterAll(() => db.close())
 * ```
 */
export async function useDatabase(label: string): Promise<string> {
  const serverUrl = inject('liteormServerUrl')
  if (typeof serverUrl !== 'string') {
    throw new Error("useDatabase() needs @liteorm/testing's global setup: add a file exporting setupPostgres as default to vitest's globalSetup")
  }
  const { url, drop } = await createDatabase(serverUrl, label)
  afterAll(drop)
  return url
}

/**
 * The superuser URL of the run's shared server, for tests that need more
 * than their own database (roles, server settings).
 *
 * ### Examples
 *
 * ```ts
 * await admin(serverUrl(), 'create role reader login')
 * ```
 */
export function serverUrl(): string {
  return inject('liteormServerUrl')
}
