import { admin } from '@liteorm/testing'
import { serverUrl } from '@liteorm/testing/vitest'

/**
 * Why the logical transport's suites cannot run on the run's server, or
 * `undefined` when they can (wal_level=logical and a free walsender).
 *
 * ### Examples
 *
 * ```ts
 * const skip = await logicalUnsupported()
 * describe.skipIf(skip !== undefined)(`logical transport${skip ? ` (skipped: ${skip})` : ''}`, () => { ... })
 * ```
 */
export async function logicalUnsupported(url = serverUrl()): Promise<string | undefined> {
  const [row] = await admin<{ wal: string; version: number; senders: number }>(
    url,
    "select current_setting('wal_level') as wal, current_setting('server_version_num')::int as version, current_setting('max_wal_senders')::int as senders",
  )
  if (row!.version < 140000) return `PostgreSQL ${row!.version} is older than 14`
  if (row!.wal !== 'logical') return `the server has wal_level=${row!.wal}, not logical`
  if (row!.senders < 4) return `the server has max_wal_senders=${row!.senders}`
  return undefined
}

/** Walsenders of the logical transport on the server, and its slots (temporary or durable) in the database of `url`. */
export async function replicationLeftovers(url: string): Promise<{ walsenders: number; slots: string[] }> {
  const [row] = await admin<{ walsenders: number; slots: string[] }>(
    url,
    `select (select count(*)::int from pg_stat_replication r join pg_replication_slots s on s.active_pid = r.pid where s.slot_name like 'liteorm\\_%' and s.database = current_database()) as walsenders,
      array(select slot_name::text from pg_replication_slots where slot_name like 'liteorm\\_%' and database = current_database() order by 1) as slots`,
  )
  return row!
}
