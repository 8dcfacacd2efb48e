import { foreignSessionError, type Closeable, type ErrorMapper, type SessionScope } from '@liteorm/core/backend'
import type pg from 'pg'
import type { LargePayloadSettings } from './large-payload-settings.js'

/** What a PostgreSQL DB and all sessions made from it share. Internal. */
export interface PostgresContext extends SessionScope {
  readonly pool: pg.Pool
  /** Checks a connection out of `pool` for a query or a transaction, idle ones checked first. */
  readonly checkout: () => Promise<pg.PoolClient>
  /** Where listeners and the subscription hub take their connections: the pool itself, or one to `listenUrl`. */
  readonly listenPool: pg.Pool
  /** The first listener's check that notifications sent through `pool` reach `listenPool`'s connections; once per DB. */
  selfCheck: Promise<void> | undefined
  readonly mapError: ErrorMapper
  /** How payloads of 8000 bytes or more are stored (`open({ largePayloads })`); `undefined`: they are refused, and listeners cannot read stored ones. */
  readonly largePayloads: LargePayloadSettings | undefined
  /** Where the pool connects, without the password, for messages. */
  readonly target: string
  /** Listeners and the subscription hub: closed before the pool ends. */
  readonly resources: Set<Closeable>
  /** The pools liteorm made for this DB (not a borrowed one): their connections must all be closed when the DB is. */
  readonly ownedPools: readonly pg.Pool[]
  /** Lets go of the pools once everything is released: ends those liteorm made, leaves a borrowed one open. */
  readonly detach: () => Promise<void>
}

const contexts = new WeakMap<object, PostgresContext>()

/**
 * Links a session to its DB's context. Called by the session constructor.
 *
 * ### Examples
 *
 * ```ts
 * bindContext(this, context)
 * ```
 */
export function bindContext(session: object, context: PostgresContext): void {
  contexts.set(session, context)
}

/**
 * The context of a PostgreSQL session, or `undefined` for a session of
 * another backend (or any other value).
 *
 * ### Examples
 *
 * ```ts
 * findContext(db)?.pool
 * ```
 */
export function findContext(session: unknown): PostgresContext | undefined {
  return typeof session === 'object' && session !== null ? contexts.get(session) : undefined
}

/**
 * The context of a PostgreSQL session; throws `InvalidArgumentError`
 * naming `operation` when `session` is not one, and the DB's `ClosedError`
 * when it is closed.
 *
 * ### Examples
 *
 * ```ts
 * const { pool } = requireContext(session, 'listen')
 * ```
 */
export function requireContext(session: unknown, operation: string): PostgresContext {
  const context = findContext(session)
  if (context === undefined) throw foreignSessionError(session, operation, 'postgres')
  if (context.closedError !== undefined) throw context.closedError
  return context
}
