import type { TestProject } from 'vitest/node'
import { providePostgres } from './postgres-server.js'

declare module 'vitest' {
  export interface ProvidedContext {
    /** Superuser URL of the shared server; each test file makes its own database on it. */
    databaseUrl: string
  }
}

/** Starts the shared PostgreSQL server once per test run and hands its URL to every worker. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await providePostgres()
  project.provide('databaseUrl', server.url)
  return () => server.stop()
}
