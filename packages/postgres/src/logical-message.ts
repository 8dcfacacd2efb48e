import type { Session } from '@liteorm/core'
import { CompiledQuery } from 'kysely'

/** The prefix of every logical message liteorm writes; the channel follows it. */
export const MESSAGE_PREFIX = 'liteorm:'

/**
 * The largest payload `notify` sends on the logical transport: 256 MiB of
 * UTF-8. PostgreSQL itself takes up to about 1 GB, but sender and listener
 * each hold a message whole in memory.
 */
export const LOGICAL_MAX_PAYLOAD_BYTES = 256 * 1024 * 1024

const EMIT = `select pg_logical_emit_message(true, '${MESSAGE_PREFIX}' || $1, $2)`

/**
 * Writes one transactional logical message for `channel` into `session`'s
 * transaction (its own, on a DB): channel and payload are bound. Rejects
 * as the session's `exec` does (a mapped database error, `ClosedError`).
 *
 * ### Examples
 *
 * ```ts
 * await db.transaction((tx) => emitLogicalMessage(tx, 'orders', '{"id":1}'))
 * ```
 */
export async function emitLogicalMessage<S>(session: Session<S>, channel: string, payload: string): Promise<void> {
  await session.exec(CompiledQuery.raw(EMIT, [channel, payload]))
}
