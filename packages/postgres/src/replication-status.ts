import type { Session } from '@liteorm/core'
import { CompiledQuery } from 'kysely'
import { DURABLE_PREFIX } from './durable-slot.js'
import { requireContext, type PostgresContext } from './postgres-context.js'

/** One replication slot of liteorm's logical transport, as {@link replicationStatus} reports it. */
export interface ReplicationSlotStatus {
  /** The slot's name: `liteorm_<durable name>`, or `liteorm__tmp_…` for a temporary one. */
  readonly slot: string
  /** The durable consumer's name, or `undefined` for a temporary slot. */
  readonly durable: string | undefined
  /** Whether a listener is connected to it now. */
  readonly active: boolean
  /** How much WAL the slot keeps the server from removing for its consumer, in bytes. */
  readonly lagBytes: number
  /** Whether the server gave the slot up (it fell `max_slot_wal_keep_size` behind); its listener reports a `SLOT_INVALIDATED` reset. */
  readonly invalidated: boolean
}

const STATUS = `select s.slot_name as slot, s.temporary, s.active, coalesce(s.wal_status = 'lost', false) as lost,
  coalesce(pg_wal_lsn_diff(case when pg_is_in_recovery() then pg_last_wal_replay_lsn() else pg_current_wal_insert_lsn() end, s.confirmed_flush_lsn), 0)::float8 as lag
  from pg_replication_slots s where s.slot_name like 'liteorm\\_%' and s.database = current_database() order by s.slot_name`

/**
 * Lists the logical transport's replication slots on the DB's database:
 * for each, whether it is durable, in use, invalidated, and how many bytes
 * of WAL it holds back (its lag). Rejects like any query on the DB
 * (`ConnectionError`, `ClosedError`).
 *
 * ### Examples
 *
 * ```ts
 * for (const s of await replicationStatus(db)) if (s.lagBytes > 1e9) alert(`${s.slot} is ${s.lagBytes} bytes behind`)
 * ```
 */
export async function replicationStatus<S>(db: Session<S>): Promise<ReplicationSlotStatus[]> {
  requireContext(db, 'replicationStatus')
  const rows = await db.query<{ slot: string; temporary: boolean; active: boolean; lost: boolean; lag: number }>(CompiledQuery.raw(STATUS, []))
  return rows.map((r) =>
    Object.freeze({ slot: r.slot, durable: r.temporary ? undefined : r.slot.slice(DURABLE_PREFIX.length), active: r.active, lagBytes: r.lag, invalidated: r.lost }),
  )
}


/**
 * The WAL bytes `slot` holds back, or `undefined` when it does not exist.
 * Rejects when the query fails.
 *
 * ### Examples
 *
 * ```ts
 * const lag = await slotLagBytes(context, 'liteorm_billing')
 * ```
 */
export async function slotLagBytes(context: PostgresContext, slot: string): Promise<number | undefined> {
  const { rows } = await context.pool.query<{ lag: number }>(
    `select pg_wal_lsn_diff(case when pg_is_in_recovery() then pg_last_wal_replay_lsn() else pg_current_wal_insert_lsn() end, confirmed_flush_lsn)::float8 as lag
     from pg_replication_slots where slot_name = $1`,
    [slot],
  )
  return rows[0]?.lag
}
