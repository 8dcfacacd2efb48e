import { InvalidArgumentError, type Session } from '@liteorm/core'
import { CompiledQuery } from 'kysely'
import { requireContext } from './postgres-context.js'

/** The prefix of a durable consumer's slot name: `listen(db, chs, { durable: 'billing' })` reads slot `liteorm_billing`. */
export const DURABLE_PREFIX = 'liteorm_'

/** The prefix of a temporary listener's slot: a double underscore, which no durable name can start with. */
export const TEMPORARY_PREFIX = 'liteorm__tmp_'

/** PostgreSQL's slot names: lower-case letters, digits and underscores, at most 63 bytes. */
const DURABLE_NAME = /^[a-z0-9][a-z0-9_]*$/
const MAX_NAME_LENGTH = 63 - DURABLE_PREFIX.length

/**
 * The replication slot of the durable consumer `name`. Throws
 * `InvalidArgumentError` unless `name` is 1 to 55 lower-case letters,
 * digits and underscores, starting with a letter or digit.
 *
 * ### Examples
 *
 * ```ts
 * durableSlotName('billing') // 'liteorm_billing'
 * ```
 */
export function durableSlotName(name: unknown): string {
  if (typeof name !== 'string' || !DURABLE_NAME.test(name) || name.length > MAX_NAME_LENGTH) {
    throw new InvalidArgumentError(
      `durable must name a consumer with 1 to ${MAX_NAME_LENGTH} lower-case letters, digits and underscores, starting with a letter or digit (it becomes the replication slot ${DURABLE_PREFIX}<name>), got ${JSON.stringify(name) ?? String(name)}`,
    )
  }
  return DURABLE_PREFIX + name
}

/**
 * Drops the replication slot of the durable consumer `name`, so the server
 * stops keeping WAL for it; a later `listen(db, chs, { durable: name })`
 * starts afresh from then. Resolves `true` when a slot was dropped, `false`
 * when there was none. Rejects with `InvalidArgumentError` for a bad name,
 * and with a `LiteormError` (SQLSTATE 55006 in `driverCode`) while a
 * listener is still connected to the slot: close it first.
 *
 * ### Examples
 *
 * ```ts
 * await listener.close()
 * await dropDurable(db, 'billing') // true
 * ```
 */
export async function dropDurable<S>(db: Session<S>, name: string): Promise<boolean> {
  const slot = durableSlotName(name)
  requireContext(db, 'dropDurable')
  const rows = await db.query<{ dropped: string }>(
    CompiledQuery.raw('select pg_drop_replication_slot(slot_name)::text as dropped from pg_replication_slots where slot_name = $1', [slot]),
  )
  return rows.length > 0
}
