import { randomBytes } from 'node:crypto'
import pg from 'pg'

/**
 * Creates a new, empty database on the server at `serverUrl` and returns its
 * URL, so that each test file works alone and files can run in parallel.
 * `drop()` removes it, ending any session still on it.
 *
 * ### Examples
 *
 * ```ts
 * const { url, drop } = await createDatabase(inject('databaseUrl'), 'listener')
 * afterAll(drop)
 * ```
 */
export async function createDatabase(serverUrl: string, label: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `liteorm_${label.replace(/[^a-z0-9]+/gi, '_').toLowerCase().slice(0, 30)}_${randomBytes(4).toString('hex')}`
  await admin(serverUrl, `create database ${pg.escapeIdentifier(name)} template template1`)
  const url = new URL(serverUrl)
  url.pathname = `/${name}`
  return {
    url: url.toString(),
    drop: () => admin(serverUrl, `drop database if exists ${pg.escapeIdentifier(name)} with (force)`),
  }
}

async function admin(serverUrl: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl })
  await client.connect()
  try {
    await client.query(statement)
  } finally {
    await client.end()
  }
}
