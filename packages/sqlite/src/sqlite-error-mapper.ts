import {
  BusyError,
  CheckViolationError,
  ConnectionError,
  ConstraintViolationError,
  ForeignKeyViolationError,
  InvalidArgumentError,
  LiteormError,
  NotNullViolationError,
  UniqueViolationError,
} from '@liteorm/core'
import type { ErrorMapper } from '@liteorm/core/backend'
import { parseConstraintMessage } from './constraint-message.js'

/** The fields of a better-sqlite3 `SqliteError` that the mapping reads. */
interface SqliteErrorFields {
  code?: unknown
  message?: unknown
}

/** Result codes that mean the database file itself cannot be used. */
const unusableFile = /^SQLITE_(CANTOPEN|NOTADB)(_|$)/

/**
 * Makes the one function that maps better-sqlite3 errors into liteorm's
 * classes, for the database `target` (a file name, shown in connection
 * messages) opened with a busy timeout of `busyTimeoutMs`. It reads the
 * extended result code better-sqlite3 puts in `SqliteError.code`; errors
 * already mapped pass through.
 *
 * - `SQLITE_CONSTRAINT_UNIQUE`, `_PRIMARYKEY` → `UniqueViolationError`;
 *   `_FOREIGNKEY` → `ForeignKeyViolationError`; `_NOTNULL` →
 *   `NotNullViolationError`; `_CHECK` → `CheckViolationError`; any other
 *   `SQLITE_CONSTRAINT*` → `ConstraintViolationError`. `table`, `column` and
 *   `constraint` are read from SQLite's message where it says them.
 * - `SQLITE_BUSY`, `SQLITE_LOCKED` and their extended codes
 *   (`SQLITE_BUSY_SNAPSHOT`, ...) → `BusyError`, a `RetryableError`: the
 *   lock was not had within the busy timeout, nothing was written; run the
 *   whole transaction again.
 * - Any failure while opening, and `SQLITE_CANTOPEN*`/`SQLITE_NOTADB` later,
 *   → `ConnectionError`.
 * - better-sqlite3's own `TypeError`/`RangeError` about bound values (a
 *   boolean, a missing parameter) → `InvalidArgumentError`.
 * - Anything else → `LiteormError` with the code in `driverCode`.
 *
 * ### Examples
 *
 * ```ts
 * const mapError = createSqliteErrorMapper('/var/app/app.db', 5000)
 * mapError(sqliteError, 'query') // UniqueViolationError { table: 'users', column: 'email', driverCode: 'SQLITE_CONSTRAINT_UNIQUE' }
 * ```
 */
export function createSqliteErrorMapper(target: string, busyTimeoutMs: number): ErrorMapper {
  return (error, phase) => {
    if (error instanceof LiteormError) return error
    const fields: SqliteErrorFields = typeof error === 'object' && error !== null ? (error as SqliteErrorFields) : {}
    const code = typeof fields.code === 'string' ? fields.code : undefined
    const message = typeof fields.message === 'string' && fields.message !== '' ? fields.message : String(error)
    const options = { cause: error, driverCode: code }
    if (phase === 'connect' || (code !== undefined && unusableFile.test(code))) {
      return new ConnectionError(`SQLite database ${target}: ${message}: check that the path is right, its directory exists and the file is an SQLite database`, options)
    }
    if (code === undefined) {
      if ((error instanceof TypeError || error instanceof RangeError) && /bind|parameter/i.test(message)) {
        return new InvalidArgumentError(`${message}: pass numbers, strings, bigints, Buffers or null (booleans as 1/0, dates as strings or numbers)`, { cause: error })
      }
      return new LiteormError(message, options)
    }
    if (code.startsWith('SQLITE_CONSTRAINT')) {
      const where = { ...options, ...parseConstraintMessage(message) }
      switch (code) {
        case 'SQLITE_CONSTRAINT_UNIQUE':
        case 'SQLITE_CONSTRAINT_PRIMARYKEY':
          return new UniqueViolationError(message, where)
        case 'SQLITE_CONSTRAINT_FOREIGNKEY':
          return new ForeignKeyViolationError(message, where)
        case 'SQLITE_CONSTRAINT_NOTNULL':
          return new NotNullViolationError(message, where)
        case 'SQLITE_CONSTRAINT_CHECK':
          return new CheckViolationError(message, where)
        default:
          return new ConstraintViolationError(message, where)
      }
    }
    if (/^SQLITE_(BUSY|LOCKED)(_|$)/.test(code)) {
      const advice = code.startsWith('SQLITE_LOCKED')
        ? 'a table is locked by another statement on the same connection'
        : code === 'SQLITE_BUSY_SNAPSHOT'
          ? 'another connection wrote since this transaction started reading'
          : `another connection held the lock for longer than the busy timeout (${busyTimeoutMs} ms)`
      return new BusyError(`${message} (${code}): ${advice}; nothing was written: retry the transaction`, options)
    }
    return new LiteormError(message, options)
  }
}
