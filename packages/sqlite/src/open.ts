import { withErrorMapping } from '@liteorm/core/backend'
import Database from 'better-sqlite3'
import { Kysely } from 'kysely'
import { randomUUID } from 'node:crypto'
import { statSync } from 'node:fs'
import type { OpenOptions } from './open-options.js'
import { openSettings, type SqliteSettings } from './open-settings.js'
import type { SqliteContext } from './sqlite-context.js'
import { sqliteDialect } from './sqlite-dialect.js'
import { SqliteDriver } from './sqlite-driver.js'
import { createSqliteErrorMapper } from './sqlite-error-mapper.js'
import type { SqliteDB } from './sqlite-db.js'
import { SqliteKyselyDB } from './sqlite-session.js'
import { transactionHooks } from './transaction-hooks.js'

/**
 * Opens a DB on SQLite, synchronously: the file is opened (and created if
 * missing) at once, in WAL journal mode (so readers and one writer run side
 * by side; not for `:memory:` nor read-only), with `foreign_keys = ON` and a
 * busy timeout of 5000 ms unless `busyTimeoutMs` says otherwise.
 *
 * Throws {@link InvalidArgumentError} for a missing or malformed argument,
 * and `ConnectionError` when the file cannot be opened (its directory is
 * missing, it is not an SQLite database, `fileMustExist` and it does not
 * exist).
 *
 * ### Examples
 *
 * ```ts
 * const db = open('app.db')
 * const mem = open(':memory:')
 * const ro = open({ filename: 'app.db', readonly: true, busyTimeoutMs: 100 })
 * const rows = await db.query(sql<{ v: string }>`select sqlite_version() as v`)
 * ```
 */
export function open<S = unknown>(filenameOrOptions: string | OpenOptions): SqliteDB<S> {
  const settings = openSettings(filenameOrOptions)
  const mapError = createSqliteErrorMapper(settings.filename, settings.busyTimeoutMs)
  let raw: Database.Database
  let key: string
  try {
    raw = connect(settings)
    key = settings.memory ? `memory:${randomUUID()}` : fileKey(settings.filename)
  } catch (error) {
    throw mapError(error, 'connect')
  }
  const context: SqliteContext = {
    raw,
    settings,
    mapError,
    key,
    resources: new Set(),
    closedError: undefined,
    tx: undefined,
    schemaReady: false,
    lastPruneAt: 0,
    committedNotificationId: 0,
  }
  const driver = new SqliteDriver(raw, transactionHooks(context))
  const kysely = new Kysely<S>({ dialect: withErrorMapping(sqliteDialect(raw, driver), mapError) })
  return SqliteKyselyDB.create(kysely, context, driver)
}

/**
 * Opens one better-sqlite3 connection with liteorm's settings; throws
 * better-sqlite3's error (closing what it opened) if the file is unusable.
 *
 * ### Examples
 *
 * ```ts
 * const raw = connect(openSettings('app.db'))
 * ```
 */
function connect(settings: SqliteSettings): Database.Database {
  const raw = new Database(settings.filename, {
    readonly: settings.readonly,
    fileMustExist: settings.fileMustExist,
    timeout: settings.busyTimeoutMs,
  })
  try {
    // Reading the schema checks the file is an SQLite database (SQLITE_NOTADB otherwise).
    raw.prepare('select count(*) from sqlite_master').get()
    if (!settings.memory && !settings.readonly) raw.pragma('journal_mode = WAL')
    raw.pragma('foreign_keys = ON')
  } catch (error) {
    raw.close()
    throw error
  }
  return raw
}

/** The identity of a database file: device and inode, shared by every path to it. */
function fileKey(filename: string): string {
  const { dev, ino } = statSync(filename, { bigint: true })
  return `file:${dev}:${ino}`
}
