import pg from 'pg'

/**
 * Opens a raw `pg.Client` on `url` — the bench's own connection for setup,
 * the bulk statement and the shared sender, never one of a measured library.
 * Its `error` event is handled, so a terminated backend never crashes the run.
 *
 * ### Examples
 *
 * ```ts
 * const admin = await adminClient(url)
 * try { await admin.query('select 1') } finally { await admin.end() }
 * ```
 */
export async function adminClient(url: string, applicationName = 'liteorm-bench-admin'): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, application_name: applicationName })
  client.on('error', () => {})
  await client.connect()
  return client
}

/**
 * Runs `fn` with a fresh {@link adminClient}, closed afterwards.
 *
 * ### Examples
 *
 * ```ts
 * const version = await withAdmin(url, (c) => serverVersion(c))
 * ```
 */
export async function withAdmin<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = await adminClient(url)
  try {
    return await fn(client)
  } finally {
    await client.end()
  }
}

/**
 * The server's version string, e.g. `18.0`.
 *
 * ### Examples
 *
 * ```ts
 * await serverVersion(admin) // '18.0'
 * ```
 */
export async function serverVersion(client: pg.Client): Promise<string> {
  const { rows } = await client.query<{ v: string }>("select current_setting('server_version') as v")
  return rows[0]!.v
}

/**
 * Terminates every backend whose `application_name` is `app` (SIGTERM, not
 * waiting for the process to exit); returns how many were signalled.
 *
 * ### Examples
 *
 * ```ts
 * await terminateBackends(admin, 'bench-reconnect-pg-0') // 1
 * ```
 */
export async function terminateBackends(client: pg.Client, app: string): Promise<number> {
  const { rows } = await client.query<{ ok: boolean }>(
    'select pg_terminate_backend(pid) as ok from pg_stat_activity where application_name = $1',
    [app],
  )
  return rows.filter((r) => r.ok).length
}

/**
 * Sends `count` notifications on `channel`, payloads `'1'`…`String(count)`,
 * in one statement (so one commit). With several channels they are spread
 * round-robin: payload `g` goes to `channels[g % channels.length]`.
 * The statement returns one row, not one per notification, so parsing its
 * result costs the process nothing measurable.
 *
 * ### Examples
 *
 * ```ts
 * await sendInOneCommit(admin, ['bench_bulk'], 100_000)
 * ```
 */
export async function sendInOneCommit(client: pg.Client, channels: readonly string[], count: number): Promise<void> {
  if (channels.length === 1) {
    await client.query('select count(pg_notify($1, g::text)) from generate_series(1, $2) g', [channels[0], count])
  } else {
    await client.query('select count(pg_notify(($1::text[])[1 + g % $3], g::text)) from generate_series(1, $2) g', [
      channels,
      count,
      channels.length,
    ])
  }
}

/** `application_name` patterns of every connection the bench and its libraries open. */
const BENCH_APPS = ['%bench%']

/**
 * Waits up to `timeoutMs` for every bench connection to be gone from the
 * server (closing is asynchronous on the server side) and returns the
 * application names still connected — a leak when not empty. The admin
 * client running the check is excluded.
 *
 * ### Examples
 *
 * ```ts
 * const left = await leftoverBackends(url) // [] when everything was closed
 * ```
 */
export async function leftoverBackends(url: string, timeoutMs = 3000): Promise<string[]> {
  return withAdmin(url, async (client) => {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const { rows } = await client.query<{ app: string }>(
        'select application_name as app from pg_stat_activity where application_name like any($1) and pid <> pg_backend_pid()',
        [BENCH_APPS],
      )
      if (rows.length === 0 || Date.now() > deadline) return rows.map((r) => r.app)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  })
}

/** Databases made for one bench run; `drop()` removes them. */
export interface IsolatedDatabases {
  /** One URL per database (all the same URL when they could not be created). */
  readonly urls: readonly string[]
  /** Whether they are separate databases (false: the user may not create databases). */
  readonly isolated: boolean
  drop(): Promise<void>
}

/**
 * Creates `count` empty databases next to the one at `url`, so libraries
 * measured at the same time do not share a database: PostgreSQL wakes
 * every listening backend of a database on each NOTIFY, so listeners in
 * one database slow each other down. Falls back to `url` itself, `count`
 * times, when the user may not create databases.
 *
 * ### Examples
 *
 * ```ts
 * const dbs = await isolatedDatabases(url, 4)
 * try { … dbs.urls[0] … } finally { await dbs.drop() }
 * ```
 */
export async function isolatedDatabases(url: string, count: number): Promise<IsolatedDatabases> {
  const names = Array.from({ length: count }, (_, i) => `liteorm_bench_${process.pid}_${i}`)
  try {
    await withAdmin(url, async (client) => {
      for (const name of names) await client.query(`create database ${name}`)
    })
  } catch {
    await dropDatabases(url, names).catch(() => undefined)
    return { urls: names.map(() => url), isolated: false, drop: async () => {} }
  }
  const urls = names.map((name) => {
    const u = new URL(url)
    u.pathname = `/${name}`
    return u.toString()
  })
  return { urls, isolated: true, drop: () => dropDatabases(url, names) }
}

async function dropDatabases(url: string, names: readonly string[]): Promise<void> {
  await withAdmin(url, async (client) => {
    for (const name of names) await client.query(`drop database if exists ${name} with (force)`)
  })
}
