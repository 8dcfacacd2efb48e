import { ConnectionError, LiteormError, MissedNotificationsError } from '@liteorm/core'
import pg from 'pg'
import type { PostgresContext } from './postgres-context.js'

/** The publication pgoutput is started with: it publishes no table, since liteorm reads only logical messages. */
export const PUBLICATION = 'liteorm_messages'

/** The first PostgreSQL version whose pgoutput streams logical messages (`messages 'true'`). */
const MIN_VERSION = 140000

/** The first PostgreSQL version that decodes on a standby. */
const MIN_STANDBY_VERSION = 160000

interface ServerFacts {
  wal_level: string
  version: number
  standby: boolean
  publication: boolean
  slots_used: number
  max_slots: number
  slot: Record<string, unknown> | null
}

/**
 * Checks, on a fresh replication connection, everything the logical
 * transport needs, and sets up what is missing: the `liteorm_messages`
 * publication (empty) on a primary, and `slot` (temporary, or the durable
 * consumer's permanent slot when it does not exist yet). On a standby,
 * while the slot is made, it has the DB's pool (the primary, when `url`
 * names it) log a standby snapshot, which the slot waits for. Rejects with a
 * `ConnectionError` that says what is missing and how to fix it (`wal_level
 * is replica: set wal_level=logical and restart PostgreSQL`, no free slot,
 * an old server); with a `MissedNotificationsError` (code
 * `SLOT_INVALIDATED`) when the server invalidated the durable slot, which
 * is then made anew, so the next attempt starts from now.
 *
 * ### Examples
 *
 * ```ts
 * await prepareReplication(client, context, 'liteorm_billing', false)
 * ```
 */
export async function prepareReplication(client: pg.Client, context: PostgresContext, slot: string, temporary: boolean): Promise<void> {
  const facts = await readFacts(client, slot)
  const where = `PostgreSQL at ${context.target}`
  if (facts.version < MIN_VERSION) {
    throw new ConnectionError(`${where} is version ${facts.version}: notifications: 'logical' needs PostgreSQL 14 or later (logical messages in pgoutput)`)
  }
  if (facts.wal_level !== 'logical') {
    throw new ConnectionError(`${where}: wal_level is ${facts.wal_level}: set wal_level=logical and restart PostgreSQL (notifications: 'logical' reads logical decoding)`)
  }
  if (facts.standby && facts.version < MIN_STANDBY_VERSION) {
    throw new ConnectionError(`${where} is a standby of version ${facts.version}: logical decoding on a standby needs PostgreSQL 16 or later; point listenUrl at the primary`)
  }
  if (!facts.publication && !facts.standby) await createPublication(client, where)
  if (facts.slot !== null && !temporary) {
    if (isInvalidated(facts.slot)) await replaceInvalidated(client, slot, facts.slot, where)
    return
  }
  if (facts.slots_used >= facts.max_slots) {
    throw new ConnectionError(
      `${where}: no free replication slot: all ${facts.max_slots} of max_replication_slots are in use: raise max_replication_slots (restart) or drop unused slots (see pg_replication_slots)`,
    )
  }
  if (!facts.standby) return createSlot(client, slot, temporary, where)
  // On a standby, making a slot waits for the primary's next record of running transactions,
  // which an idle primary writes only every 15 s: ask the DB's pool (normally the primary) for one meanwhile.
  const nudge = setInterval(() => void context.pool.query('select pg_log_standby_snapshot()').catch(() => {}), STANDBY_NUDGE_MS)
  try {
    await createSlot(client, slot, temporary, where)
  } finally {
    clearInterval(nudge)
  }
}

/** How often a slot being made on a standby asks the primary to log its running transactions. */
const STANDBY_NUDGE_MS = 250

async function readFacts(client: pg.Client, slot: string): Promise<ServerFacts> {
  const { rows } = await client.query<ServerFacts>(
    `select current_setting('wal_level') as wal_level, current_setting('server_version_num')::int as version, pg_is_in_recovery() as standby,
      exists (select 1 from pg_publication where pubname = '${PUBLICATION}') as publication,
      (select count(*)::int from pg_replication_slots) as slots_used, current_setting('max_replication_slots')::int as max_slots,
      (select to_jsonb(s) from pg_replication_slots s where slot_name = ${literal(slot)}) as slot`,
  )
  return rows[0]!
}

/** Whether the server gave the slot up: WAL removed (`wal_status` lost) or invalidated (PostgreSQL 16's `conflicting`, 17's `invalidation_reason`). */
function isInvalidated(slot: Record<string, unknown>): boolean {
  return slot.wal_status === 'lost' || slot.conflicting === true || (slot.invalidation_reason !== undefined && slot.invalidation_reason !== null)
}

async function replaceInvalidated(client: pg.Client, slot: string, facts: Record<string, unknown>, where: string): Promise<void> {
  await client.query(`DROP_REPLICATION_SLOT ${pg.escapeIdentifier(slot)}`)
  await createSlot(client, slot, false, where)
  const reason = typeof facts.invalidation_reason === 'string' ? facts.invalidation_reason : String(facts.wal_status)
  throw new MissedNotificationsError(
    `${where} invalidated the durable slot ${slot} (${reason}: it fell further behind than max_slot_wal_keep_size allows); ` +
      'what was sent meanwhile is lost: a new slot starts from now, re-read what you missed in onReset',
    { code: 'SLOT_INVALIDATED', dropped: Number.NaN },
  )
}

async function createPublication(client: pg.Client, where: string): Promise<void> {
  try {
    await client.query(`CREATE PUBLICATION ${PUBLICATION}`)
  } catch (error) {
    if ((error as { code?: unknown }).code === '42710') return // made by another listener meanwhile
    throw new ConnectionError(
      `${where}: the publication ${PUBLICATION} is missing and could not be made (${(error as Error).message}): have its owner run CREATE PUBLICATION ${PUBLICATION}`,
      { cause: error },
    )
  }
}

async function createSlot(client: pg.Client, slot: string, temporary: boolean, where: string): Promise<void> {
  try {
    await client.query(`CREATE_REPLICATION_SLOT ${pg.escapeIdentifier(slot)}${temporary ? ' TEMPORARY' : ''} LOGICAL pgoutput NOEXPORT_SNAPSHOT`)
  } catch (error) {
    const code = (error as { code?: unknown }).code
    if (code === '42710' && !temporary) return // the durable slot was made meanwhile
    if (code === '53400') {
      throw new ConnectionError(`${where}: no free replication slot: raise max_replication_slots (restart) or drop unused slots (see pg_replication_slots)`, { cause: error })
    }
    throw error
  }
}

/**
 * A failed replication connect, said plainly: the REPLICATION attribute
 * missing, walsenders exhausted, or the usual connection failure. Never
 * fails.
 *
 * ### Examples
 *
 * ```ts
 * throw replicationConnectError(context, error)
 * ```
 */
export function replicationConnectError(context: PostgresContext, error: unknown): LiteormError {
  const message = error instanceof Error ? error.message : String(error)
  const where = `PostgreSQL at ${context.target}`
  if (/replication role|start (a )?wal ?sender|REPLICATION attribute/i.test(message)) {
    return new ConnectionError(`${where}: the role lacks the REPLICATION attribute that notifications: 'logical' needs: ALTER ROLE <role> REPLICATION (or use a role that has it)`, {
      cause: error,
    })
  }
  if (/max_wal_senders/i.test(message)) {
    return new ConnectionError(`${where}: all walsenders are busy: raise max_wal_senders (restart) or stop other replication connections`, { cause: error })
  }
  const mapped = context.mapError(error, 'connect')
  return mapped instanceof LiteormError ? mapped : new ConnectionError(`${where}: ${mapped.message}`, { cause: error })
}

/** `text` as an SQL string literal (slot names are checked to be [a-z0-9_], so this is belt and braces). */
function literal(text: string): string {
  return `'${text.replaceAll("'", "''")}'`
}
