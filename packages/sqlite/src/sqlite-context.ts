import type { Session } from '@liteorm/core'
import { foreignSessionError, type Closeable, type ErrorMapper, type SessionScope } from '@liteorm/core/backend'
import type Database from 'better-sqlite3'
import type { SqliteSettings } from './open-settings.js'

/** What the transaction now open on the DB's connection has done. Internal. */
export interface TransactionState {
  /** It wrote notifications: listeners are woken when it commits. */
  notified: boolean
  /** It created the notifications tables: they exist once it commits. */
  createdSchema: boolean
}

/** What an SQLite DB and all sessions made from it share. Internal. */
export interface SqliteContext extends SessionScope {
  /** The DB's one connection. */
  readonly raw: Database.Database
  readonly settings: SqliteSettings
  readonly mapError: ErrorMapper
  /** Identifies the database for commit signals: the file's device and inode, or a unique key for `:memory:`. */
  readonly key: string
  /** Listeners to close before the connection. */
  readonly resources: Set<Closeable>
  /** The transaction open on the connection, if any (one at a time: the connection is shared under a mutex). */
  tx: TransactionState | undefined
  /** The notifications tables are known to exist. */
  schemaReady: boolean
  /** When `notify` last pruned old notifications (ms since the epoch). */
  lastPruneAt: number
  /** `:memory:` only: the highest notification id committed so far. */
  committedNotificationId: number
}

/** A session's link to its DB: the context, and whether it is a transaction. */
interface SessionLink {
  readonly context: SqliteContext
  /** 0 on the DB, 1 in a transaction, 2+ in savepoints. */
  readonly depth: number
}

const links = new WeakMap<object, SessionLink>()

/**
 * Links a session to its DB's context. Called by the session constructor.
 *
 * ### Examples
 *
 * ```ts
 * bindContext(this, context, depth)
 * ```
 */
export function bindContext(session: object, context: SqliteContext, depth: number): void {
  links.set(session, { context, depth })
}

/**
 * The link of an SQLite session, or `undefined` for a session of another
 * backend (or any other value). Never throws.
 *
 * ### Examples
 *
 * ```ts
 * findLink(db)?.context.settings.filename
 * ```
 */
function findLink(session: unknown): SessionLink | undefined {
  return typeof session === 'object' && session !== null ? links.get(session) : undefined
}

/**
 * The link of an SQLite session; throws `InvalidArgumentError` naming
 * `operation` when `session` is not one, and the DB's `ClosedError` when it
 * is closed.
 *
 * ### Examples
 *
 * ```ts
 * const { context, depth } = requireLink(session, 'notify')
 * ```
 */
export function requireLink(session: Session | unknown, operation: string): SessionLink {
  const link = findLink(session)
  if (link === undefined) throw foreignSessionError(session, operation, 'sqlite')
  if (link.context.closedError !== undefined) throw link.context.closedError
  return link
}
