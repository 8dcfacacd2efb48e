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
 * const { url, drop } = await createDatabase(server.url, 'listener')
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
    drop: async () => void (await admin(serverUrl, `drop database if exists ${pg.escapeIdentifier(name)} with (force)`)),
  }
}

/**
 * Runs one statement as superuser on the server at `url`, on a connection
 * of its own (outside any pool under test), and returns its rows.
 *
 * ### Examples
 *
 * ```ts
 * await admin(url, 'select pg_terminate_backend($1)', [pid])
 * ```
 */
export async function admin<R extends pg.QueryResultRow>(url: string, text: string, values: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return (await client.query<R>(text, values)).rows
  } finally {
    await client.end()
  }
}
