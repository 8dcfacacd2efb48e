import { InvalidArgumentError, type Channel, type Session } from '@liteorm/core'
import { outgoingNotification } from '@liteorm/core/backend'
import { CompiledQuery } from 'kysely'
import { assertNotReserved, needsStoring, storeAndNotify } from './large-payloads.js'
import { LOGICAL_MAX_PAYLOAD_BYTES, emitLogicalMessage } from './logical-message.js'
import { NOTIFY_ONE, NotifyBatcher } from './notify-batch.js'
import { findContext, requireContext, type PostgresContext } from './postgres-context.js'
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
 * A payload of 8000 bytes or more, which NOTIFY refuses, is stored in the
 * table `liteorm.large_payloads` in the same transaction (on a DB, one
 * statement) when the DB was opened with `largePayloads: 'table'`; the
 * notification carries its key, and listeners deliver the original payload.
 *
 * On a DB opened with `notifications: 'logical'` it writes a transactional
 * logical message instead, `pg_logical_emit_message(true, 'liteorm:' ||
 * channel, payload)`, bound, in the session's transaction: delivered at
 * commit, in commit order, not at all on rollback (nor from a rolled-back
 * savepoint), with payloads up to 256 MiB.
 *
 * Rejects with `InvalidArgumentError` before any I/O for an empty channel,
 * one over 63 bytes, NUL bytes, a payload of 8000 bytes or more (unless
 * large payloads are stored; over 256 MiB on the logical transport), one
 * that begins with the reserved U+0001 `liteorm:large-payload:` (NOTIFY
 * transport), or a value its typed channel rejects;
 * with `ClosedError` on a closed DB; with `NotifyQueueFullError` when the
 * server's notification queue is full; with a `LiteormError` saying to run
 * `installLargePayloads(db)` when a large payload must be stored and the
 * table is missing.
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
  // The DB's transport and options set the payload limit; the closed-DB check comes after the arguments'.
  const found = findContext(session)
  if (found?.notifications === 'logical') {
    const { channel: name, payload: text } = outgoingNotification(channel, payload, LOGICAL_MAX_PAYLOAD_BYTES)
    requireContext(session, 'notify')
    return emitLogicalMessage(session, name, text)
  }
  const { channel: name, payload: text } = outgoingNotification(channel, payload, Infinity) // its size is checked here
  const large = needsStoring(text)
  if (large && found?.largePayloads === undefined) throw tooLarge(text)
  if (!large) assertNotReserved(text)
  const context = requireContext(session, 'notify')
  if (large) return storeAndNotify(session, context, name, text)
  if (!(session instanceof PostgresKyselyDB)) {
    await session.exec(CompiledQuery.raw(NOTIFY_ONE.text!, [name, text])) // on the transaction's connection
    return
  }
  let batcher = batchers.get(context)
  if (batcher === undefined) batchers.set(context, (batcher = new NotifyBatcher(context)))
  await batcher.send(name, text)
}

function tooLarge(payload: string): InvalidArgumentError {
  return new InvalidArgumentError(
    `payload is ${Buffer.byteLength(payload, 'utf8')} bytes of UTF-8; PostgreSQL's NOTIFY accepts less than 8000: ` +
      "open the DB with largePayloads: 'table' to store such payloads in a table (see installLargePayloads), or send a key and read the data yourself",
  )
}
