import { sql, type Session } from '@liteorm/core'
import type { SqliteContext } from './sqlite-context.js'

/**
 * The table notifications travel through: written in the notifying
 * transaction (so they exist exactly when it commits), read by listeners in
 * `id` order. SQLite serialises writers, so `id` order is commit order.
 */
export const NOTIFICATIONS_TABLE = '_liteorm_notifications'

/** The highest notification id ever handed out (SQLite's AUTOINCREMENT counter), bound to {@link NOTIFICATIONS_TABLE}. */
export const SELECT_NOTIFICATIONS_SEQ = 'select seq from sqlite_sequence where name = ?'

/** A notification as stored. */
export interface NotificationRow {
  readonly id: number
  readonly channel: string
  readonly payload: string
  readonly pid: number
}

const createStatements = [
  sql`create table if not exists _liteorm_notifications (
    id integer primary key autoincrement,
    channel text not null,
    payload text not null,
    pid integer not null,
    created_at integer not null
  )`,
  sql`create table if not exists _liteorm_notifications_pruned (
    id integer primary key check (id = 1),
    through integer not null
  )`,
]

/** `notify` prunes at most this often per DB. */
const PRUNE_EVERY_MS = 1000

/**
 * Writes one notification row on `tx`, a session inside a transaction,
 * creating the tables the first time and pruning rows older than the
 * retention now and then. Rejects with the session's mapped errors
 * (`LiteormError` with `SQLITE_READONLY` in a read-only transaction).
 *
 * ### Examples
 *
 * ```ts
 * await writeNotification(tx, context, 'jobs', '{"id":1}')
 * ```
 */
export async function writeNotification<S>(tx: Session<S>, context: SqliteContext, channel: string, payload: string): Promise<void> {
  if (!context.schemaReady && context.tx?.createdSchema !== true) {
    for (const statement of createStatements) await tx.exec(statement)
    if (context.tx !== undefined) context.tx.createdSchema = true
  }
  const now = Date.now()
  if (now - context.lastPruneAt >= Math.min(PRUNE_EVERY_MS, context.settings.notificationRetentionMs)) {
    context.lastPruneAt = now
    await prune(tx, now - context.settings.notificationRetentionMs)
  }
  await tx.exec(sql`insert into _liteorm_notifications (channel, payload, pid, created_at) values (${channel}, ${payload}, ${process.pid}, ${now})`)
  if (context.tx !== undefined) context.tx.notified = true
}

/**
 * Deletes the rows older than `cutoff` (ms since the epoch): every row
 * below the first one that is not, so that what is left is a contiguous
 * tail; records the highest id deleted.
 */
async function prune<S>(tx: Session<S>, cutoff: number): Promise<void> {
  const firstKept = sql`coalesce((select id from _liteorm_notifications where created_at >= ${cutoff} order by id limit 1), 9223372036854775807)`
  await tx.exec(sql`
    insert into _liteorm_notifications_pruned (id, through)
    select 1, max(id) from _liteorm_notifications where id < ${firstKept} having max(id) is not null
    on conflict (id) do update set through = max(through, excluded.through)`)
  await tx.exec(sql`delete from _liteorm_notifications where id <= coalesce((select through from _liteorm_notifications_pruned), 0)`)
}
