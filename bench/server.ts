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
