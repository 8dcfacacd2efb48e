import { assertValidChannel, assertValidPayload, sql, type Session } from '@liteorm/core'
import { requireContext } from './postgres-context.js'

/**
 * Sends a notification with `SELECT pg_notify($1, $2)`: channel and payload
 * are bound, never interpolated, and the channel is exact and
 * case-sensitive. On a transaction it is delivered at commit, and not at all
 * on rollback.
 *
 * Rejects with `InvalidArgumentError` before any I/O for an empty channel,
 * one over 63 bytes, NUL bytes, or a payload of 8000 bytes or more; with
 * `ClosedError` on a closed DB.
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
  requireContext(session, 'notify')
  await session.exec(sql`select pg_notify(${channel}, ${payload})`)
}
