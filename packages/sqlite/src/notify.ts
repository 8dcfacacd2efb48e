import type { Session } from '@liteorm/core'
import { assertValidChannel, assertValidPayload } from '@liteorm/core/backend'
import { writeNotification } from './notifications-table.js'
import { requireLink } from './sqlite-context.js'

/**
 * Sends a notification with PostgreSQL's semantics: on a transaction it is
 * delivered when the transaction commits, and not at all on rollback (nor
 * when the savepoint it was sent in rolls back); on the DB it runs in a
 * transaction of its own. Listeners in this process are woken right after
 * the commit; listeners in other processes on the same file read it at
 * their next poll. The channel is exact and case-sensitive.
 *
 * It writes a row of the `_liteorm_notifications` table in the transaction
 * (created on first use); `pid` is this process's id.
 *
 * Rejects with `InvalidArgumentError` before any I/O for an empty channel,
 * one over 63 bytes, NUL bytes, or a payload of 8000 bytes or more (the
 * PostgreSQL limits, so code passing on one backend passes on the other);
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
 * ```
 */
export async function notify<S>(session: Session<S>, channel: string, payload = ''): Promise<void> {
  assertValidChannel(channel)
  assertValidPayload(payload)
  const { context, depth } = requireLink(session, 'notify')
  if (depth === 0) {
    await session.transaction((tx) => writeNotification(tx, context, channel, payload))
    return
  }
  await writeNotification(session, context, channel, payload)
}
