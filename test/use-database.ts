import { afterAll, inject } from 'vitest'
import { createDatabase } from './test-database.js'

/**
 * Gives the calling test file its own database on the shared server and
 * drops it after the file's tests. Call it at the top of a test file.
 *
 * ### Examples
 *
 * ```ts
 * const url = await useDatabase('listener')
 * const db = open(url)
 * ```
 */
export async function useDatabase(label: string): Promise<string> {
  const { url, drop } = await createDatabase(inject('databaseUrl'), label)
  afterAll(drop)
  return url
}
