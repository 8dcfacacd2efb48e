import type { Channel, Session } from '@liteorm/core'
import { outgoingNotification } from '@liteorm/core/backend'
import { writeNotification } from './notifications-table.js'
import { requireLink } from './sqlite-context.js'

/**
 * Sends a notification with PostgreSQL's semantics: on a transaction it is
 * delivered when the transaction commits, and not at all on rollback (nor
 * when the savepoint it was sent in rolls back); on the DB it runs in a
 * transaction of its own. Listeners in this process are woken right after
 * the commit; listeners in other processes on the same file read it at
 * their next poll. The channel is exact and case-sensitive. On a typed
 * channel (`jsonChannel`) the value is checked and serialised first.
 *
 * It writes a row of the `_liteorm_notifications` table in the transaction
 * (created on first use); `pid` is this process's id.
 *
 * Rejects with `InvalidArgumentError` before any I/O for an empty channel,
 * one over 63 bytes, NUL bytes, or a payload of 8000 bytes or more (the
 * PostgreSQL limits, so code passing on one backend passes on the other),
 * or a value its typed channel rejects;
 * with `ClosedError` on a closed DB; with `BusyError` when another
 * connection holds the write lock past the busy timeout; with a
 * `LiteormError` (`SQLITE_READONLY`) in a read-only transaction.
 *
 * ### Examples
 *
 * ```ts
 * await notify(db, 'jobs', JSON.stringify({ id: 1 }))
 * await db.transaction(async (tx) => {
 *   await tx.exec(sql`insert into jobs (id) values (${2})`)
 *   await notify(tx, 'jobs', '2')   // sent when the transaction commits
 * })
 * const jobs = jsonChannel<{ id: number }>('jobs')
 * await notify(db, jobs, { id: 3 })
 * ```
 */
export function notify<S>(session: Session<S>, channel: string, payload?: string): Promise<void>
export function notify<S, T>(session: Session<S>, channel: Channel<T>, value: T): Promise<void>
export async function notify<S, T>(session: Session<S>, channel: string | Channel<T>, value?: string | T): Promise<void> {
  const { channel: name, payload } = outgoingNotification(channel, value)
  const { context, depth } = requireLink(session, 'notify')
  if (depth === 0) {
    await session.transaction((tx) => writeNotification(tx, context, name, payload))
    return
  }
  await writeNotification(session, context, name, payload)
}
