import { InvalidArgumentError, LiteormError, type Session } from '@liteorm/core'
import { CompiledQuery } from 'kysely'
import { readFile } from 'node:fs/promises'
import { queryOnPool } from './pool-query.js'
import { requireContext, type PostgresContext } from './postgres-context.js'
import { PostgresKyselyDB } from './postgres-session.js'

/**
 * How the notification of a stored payload begins; the row's id follows.
 * It starts with U+0001, a control character no text payload begins with by
 * accident, and `notify` refuses a payload that begins with the whole prefix,
 * so no notification sent through liteorm is mistaken for one.
 *
 * ### Examples
 *
 * ```ts
 * `${STORED_PAYLOAD_PREFIX}42` // the payload of the notification for row 42
 * ```
 */
export const STORED_PAYLOAD_PREFIX = '\u0001liteorm:large-payload:'

/** The smallest payload, in bytes of UTF-8, that PostgreSQL refuses: from here on it is stored. */
const STORED_FROM_BYTES = 8000

/** Stores the payload and notifies its key, in one statement (so in one transaction on a DB). */
const STORE_AND_NOTIFY = `with stored as (
  insert into liteorm.large_payloads (channel, payload, expires_at)
  values ($1::text, $2::text, now() + $3::float8 * interval '1 millisecond')
  returning id
)
select pg_notify($1::text, $4::text || id) from stored`

/** SQLSTATEs of a missing table (42P01) or schema (3F000): the migration has not run. */
const MISSING = new Set(['42P01', '3F000'])

/** Runs the expiry function now and then, per DB: at most once per this many ms (or per retention, when shorter). */
const EXPIRE_EVERY_MS = 60_000

/** When each DB last started an expiry run. */
const lastExpiry = new WeakMap<PostgresContext, number>()

/**
 * Whether `payload` must be stored rather than sent: 8000 bytes of UTF-8 or
 * more. Never fails.
 *
 * ### Examples
 *
 * ```ts
 * needsStoring('x'.repeat(8000)) // true
 * ```
 */
export function needsStoring(payload: string): boolean {
  if (payload.length * 3 < STORED_FROM_BYTES) return false
  return payload.length >= STORED_FROM_BYTES || Buffer.byteLength(payload, 'utf8') >= STORED_FROM_BYTES
}

/**
 * Refuses a payload that would read as a stored payload's key. Throws
 * `InvalidArgumentError` when `payload` begins with {@link STORED_PAYLOAD_PREFIX}.
 *
 * ### Examples
 *
 * ```ts
 * assertNotReserved('{"id":1}') // ok
 * ```
 */
export function assertNotReserved(payload: string): void {
  if (payload.startsWith(STORED_PAYLOAD_PREFIX)) {
    throw new InvalidArgumentError('payload begins with U+0001 "liteorm:large-payload:", which liteorm reserves for the keys of stored large payloads: send it otherwise (encode it, or drop the leading U+0001)')
  }
}

/**
 * Stores `payload` in `liteorm.large_payloads` and notifies `channel` of its
 * key, in the session's transaction (on a DB, one statement: one
 * transaction). Now and then it also starts the expiry of old rows, on the
 * pool, after it. Rejects with `InvalidArgumentError` for a NUL byte, with a
 * `LiteormError` telling to run the migration when the table is missing,
 * and otherwise as `notify` does.
 *
 * ### Examples
 *
 * ```ts
 * await storeAndNotify(tx, context, 'jobs', bigJson)
 * ```
 */
export async function storeAndNotify<S>(session: Session<S>, context: PostgresContext, channel: string, payload: string): Promise<void> {
  if (payload.includes('\0')) {
    throw new InvalidArgumentError('payload contains a NUL byte, which PostgreSQL cannot store: remove it or encode the payload (base64)')
  }
  const settings = context.largePayloads!
  const values = [channel, payload, settings.retentionMs, STORED_PAYLOAD_PREFIX]
  try {
    if (session instanceof PostgresKyselyDB) await queryOnPool(context, STORE_AND_NOTIFY, values)
    else await session.exec(CompiledQuery.raw(STORE_AND_NOTIFY, values))
  } catch (error) {
    throw isMigrationMissing(error) ? migrationMissing(error) : error
  }
  expireNowAndThen(context, settings.retentionMs)
}

/** Starts `liteorm.expire_large_payloads()` on the pool when the last run is old enough; its failure is left to the next run. */
function expireNowAndThen(context: PostgresContext, retentionMs: number): void {
  const now = Date.now()
  const last = lastExpiry.get(context)
  if (last !== undefined && now - last < Math.min(EXPIRE_EVERY_MS, retentionMs)) return
  lastExpiry.set(context, now)
  queryOnPool(context, 'select liteorm.expire_large_payloads()').catch(() => undefined)
}

/**
 * Whether `error` says the migration has not run (no table `liteorm.large_payloads`, or no schema `liteorm`). Never fails.
 *
 * ### Examples
 *
 * ```ts
 * if (isMigrationMissing(error)) throw migrationMissing(error)
 * ```
 */
export function isMigrationMissing(error: unknown): error is LiteormError {
  return error instanceof LiteormError && error.driverCode !== undefined && MISSING.has(error.driverCode)
}

/**
 * The error for a DB whose `liteorm.large_payloads` table is missing: what
 * to run. Never fails.
 *
 * ### Examples
 *
 * ```ts
 * throw migrationMissing(mapped)
 * ```
 */
export function migrationMissing(error: LiteormError): LiteormError {
  return new LiteormError(
    "largePayloads: 'table' stores payloads of 8000 bytes or more in liteorm.large_payloads, which this database does not have: " +
      'run the migration once, with installLargePayloads(db) or psql -f node_modules/@liteorm/postgres/sql/large-payloads.sql',
    { cause: error, driverCode: error.driverCode },
  )
}

/**
 * Creates what `open({ largePayloads: 'table' })` needs in the database of
 * `session` (the schema `liteorm`, its table `large_payloads` and the
 * function `expire_large_payloads()`), by running the SQL file the package
 * ships as `sql/large-payloads.sql`. Idempotent: safe to run at every
 * deployment. Run it in a transaction to apply it with your own migrations.
 * Rejects with the database's error (mapped: a missing right to create a
 * schema is a plain `LiteormError` with SQLSTATE `42501`), with
 * `ClosedError` on a closed DB and `InvalidArgumentError` for a session
 * of another backend.
 *
 * ### Examples
 *
 * ```ts
 * import { installLargePayloads, notify, open } from '@liteorm/postgres'
 * const db = open({ url: process.env.DATABASE_URL, largePayloads: 'table' })
 * await installLargePayloads(db)
 * await notify(db, 'reports', JSON.stringify(bigReport)) // 1 MB: stored, its key notified
 * ```
 */
export async function installLargePayloads<S>(session: Session<S>): Promise<void> {
  requireContext(session, 'installLargePayloads')
  const text = await readFile(new URL('../sql/large-payloads.sql', import.meta.url), 'utf8')
  await session.exec(CompiledQuery.raw(text))
}
