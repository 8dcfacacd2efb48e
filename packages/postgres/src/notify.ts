import type { Channel, Session } from '@liteorm/core'
import { outgoingNotification } from '@liteorm/core/backend'
import { CompiledQuery } from 'kysely'
import { NOTIFY_ONE, NotifyBatcher } from './notify-batch.js'
import { requireContext, type PostgresContext } from './postgres-context.js'
import { PostgresKyselyDB } from './postgres-session.js'

/** Each DB's batcher of autocommit notifications, made on its first `notify`. */
const batchers = new WeakMap<PostgresContext, NotifyBatcher>()

/**
 * Sends a notification with `SELECT pg_notify($1, $2)`: channel and payload
 * are bound, never interpolated, and the channel is exact and
 * case-sensitive. On a transaction it is delivered at commit, and not at all
 * on rollback. On a typed channel ({@link jsonChannel}) the value is checked
 * and serialised first. On a DB it is an autocommit statement, prepared
 * once per connection; calls made in the same turn of the event loop share
 * one (one `pg_notify` call each, in call order), each still delivered and
 * resolved once committed.
 *
 * Rejects with `InvalidArgumentError` before any I/O for an empty channel,
 * one over 63 bytes, NUL bytes, a payload of 8000 bytes or more, or a value
 * its typed channel rejects; with `ClosedError` on a closed DB.
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
export async function notify<S, T>(session: Session<S>, channel: string | Channel<T>, payload?: string | T): Promise<void> {
  const { channel: name, payload: text } = outgoingNotification(channel, payload)
  const context = requireContext(session, 'notify')
  if (!(session instanceof PostgresKyselyDB)) {
    await session.exec(CompiledQuery.raw(NOTIFY_ONE.text!, [name, text])) // on the transaction's connection
    return
  }
  let batcher = batchers.get(context)
  if (batcher === undefined) batchers.set(context, (batcher = new NotifyBatcher(context)))
  await batcher.send(name, text)
}
