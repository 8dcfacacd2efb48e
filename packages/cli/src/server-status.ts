import { sql, type PostgresDB } from '@liteorm/postgres'
import { listenedChannels } from './listened-channels.js'

/**
 * A backend that listens for notifications, as `pg_stat_activity` shows it
 * to the session that asks.
 *
 * ### Examples
 *
 * ```ts
 * const pids = (await serverStatus(db)).listeners.map((l: ListenerConnection) => l.pid)
 * ```
 */
export interface ListenerConnection {
  /** The backend's process id: the `pid` of the notifications it sends. */
  readonly pid: number
  readonly applicationName: string
  /** The client's IP address, or `null` for a Unix-domain socket. */
  readonly clientAddress: string | null
  /** The client's TCP port, or `null` for a Unix-domain socket. */
  readonly clientPort: number | null
  readonly user: string
  /** When the connection was made (ISO 8601). */
  readonly connectedAt: string
  /** When its last statement ended and it became idle (ISO 8601). */
  readonly idleSince: string
  /**
   * The channels its last statement LISTENed to, or `null` when that
   * statement was a check of its LISTEN set (such as liteorm's health
   * check), which does not name them.
   */
  readonly channels: readonly string[] | null
}

/**
 * What `liteorm status` reports about a PostgreSQL server and the URL's
 * database.
 *
 * ### Examples
 *
 * ```ts
 * const { queueUsage } = await serverStatus(db) // 0.0000019 (a fraction of the queue)
 * ```
 */
export interface ServerStatus {
  /** `server_version`, such as `'18.0'`. */
  readonly serverVersion: string
  /** The database the URL names; listeners are looked for there. */
  readonly database: string
  /** `pg_notification_queue_usage()`: the fraction (0 to 1) of the cluster's notification queue in use. */
  readonly queueUsage: number
  /** Every channel the listener connections are known to listen to, sorted. */
  readonly channels: readonly string[]
  /** The listener connections, oldest first. */
  readonly listeners: readonly ListenerConnection[]
}

interface ServerRow {
  server_version: string
  database: string
  queue_usage: number
}

interface ActivityRow {
  pid: number
  application_name: string | null
  client_address: string | null
  client_port: number | null
  user_name: string | null
  backend_start: Date
  state_change: Date
  query: string
}

/**
 * Asks the server behind `db` for its version, the notification queue's
 * usage and the listener connections of the current database: client
 * backends other than this one, idle, whose last statement was `LISTEN …`
 * or began with `select pg_listening_channels()` (a check of the LISTEN set;
 * liteorm's listeners run one every `healthCheckMs`). A role that is not a
 * superuser or in `pg_read_all_stats` sees only its own role's. Rejects
 * with liteorm's `ConnectionError` when the server cannot be reached.
 *
 * ### Examples
 *
 * ```ts
 * const status = await serverStatus(openPostgres(url))
 * console.log(status.serverVersion, status.queueUsage, status.listeners.length)
 * ```
 */
export async function serverStatus(db: PostgresDB<unknown>): Promise<ServerStatus> {
  const server = await db.queryOne(sql<ServerRow>`
    select current_setting('server_version') as server_version,
           current_database() as database,
           pg_notification_queue_usage() as queue_usage`)
  const rows = await db.query(sql<ActivityRow>`
    select pid, application_name, host(client_addr) as client_address, nullif(client_port, -1) as client_port,
           usename as user_name, backend_start, state_change, query
      from pg_stat_activity
     where datname = current_database()
       and backend_type = 'client backend'
       and state = 'idle'
       and pid <> pg_backend_pid()
       and (query ~* '^[[:space:]]*listen[[:space:]]' or query ~* '^[[:space:]]*select[[:space:]]+pg_listening_channels[(][)]')
     order by backend_start, pid`)
  const listeners = rows.map((row): ListenerConnection => {
    const listening = /^\s*listen\s/i.test(row.query)
    return {
      pid: row.pid,
      applicationName: row.application_name ?? '',
      clientAddress: row.client_address,
      clientPort: row.client_port,
      user: row.user_name ?? '',
      connectedAt: row.backend_start.toISOString(),
      idleSince: row.state_change.toISOString(),
      channels: listening ? listenedChannels(row.query) : null,
    }
  })
  const channels = [...new Set(listeners.flatMap((l) => l.channels ?? []))].sort()
  return { serverVersion: server.server_version, database: server.database, queueUsage: Number(server.queue_usage), channels, listeners }
}
