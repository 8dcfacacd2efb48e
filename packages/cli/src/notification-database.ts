import { listen as listenPostgres, notify as notifyPostgres, type Listener, type PostgresListenOptions } from '@liteorm/postgres'
import { listen as listenSqlite, notify as notifySqlite, open as openSqlite } from '@liteorm/sqlite'
import type { DatabaseTarget } from './database-target.js'
import { openPostgres } from './postgres-database.js'
import { UsageError } from './usage-error.js'

/**
 * What a listener started by the command reports through: the
 * dialect-neutral `onReset` and `onEvent` of liteorm's `listen`.
 *
 * ### Examples
 *
 * ```ts
 * const callbacks: ListenCallbacks = { onEvent: (e) => console.error(e.type) }
 * ```
 */
export type ListenCallbacks = Pick<PostgresListenOptions, 'onEvent' | 'onReset'>

/**
 * What `tail` and `notify` need of a database, the same on PostgreSQL and
 * on an SQLite file: liteorm's `notify` and `listen`, and `close`.
 *
 * ### Examples
 *
 * ```ts
 * const db = openNotificationDatabase({ dialect: 'sqlite', filename: 'app.db' })
 * await db.notify('jobs', '{"id":1}')
 * await db.close()
 * ```
 */
interface NotificationDatabase {
  /** Sends `payload` on `channel`; rejects with `InvalidArgumentError` for a bad channel or payload. */
  notify(channel: string, payload: string): Promise<void>
  /** Listens to `channels`; resolves once LISTEN is in place and the first `onReset` has run. */
  listen(channels: readonly string[], callbacks: ListenCallbacks): Promise<Listener>
  /** Closes the DB and its listeners. Idempotent. */
  close(): Promise<void>
}

/**
 * Opens the database `target` names with `@liteorm/postgres` or
 * `@liteorm/sqlite`; `largePayloads` opens a PostgreSQL DB with
 * `largePayloads: 'table'`, and is a `UsageError` on SQLite. Synchronous: a PostgreSQL server is reached on first
 * use; an SQLite file is opened (and created if missing) at once. Throws
 * `InvalidArgumentError` for a malformed PostgreSQL URL and
 * `ConnectionError` for an SQLite file that cannot be opened.
 *
 * ### Examples
 *
 * ```ts
 * const db = openNotificationDatabase({ dialect: 'postgres', url: process.env.DATABASE_URL! })
 * const listener = await db.listen(['jobs'], { onEvent: (e) => console.error(e.type) })
 * ```
 */
export function openNotificationDatabase(target: DatabaseTarget, largePayloads = false): NotificationDatabase {
  if (target.dialect === 'postgres') {
    const db = openPostgres(target.url, largePayloads)
    return {
      notify: (channel, payload) => notifyPostgres(db, channel, payload),
      listen: (channels, options) => listenPostgres(db, channels, options),
      close: () => db.close(),
    }
  }
  if (largePayloads) throw new UsageError('--large-payloads is for PostgreSQL: an SQLite file has no table of large payloads (leave the option out)')
  const db = openSqlite(target.filename)
  return {
    notify: (channel, payload) => notifySqlite(db, channel, payload),
    listen: (channels, options) => listenSqlite(db, channels, options),
    close: () => db.close(),
  }
}
