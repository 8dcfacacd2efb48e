import {
  BusyError,
  CheckViolationError,
  ConnectionError,
  DeadlockError,
  ForeignKeyViolationError,
  LiteormError,
  NotNullViolationError,
  NotifyQueueFullError,
  QueryCanceledError,
  SerializationFailureError,
  UniqueViolationError,
} from '@liteorm/core'
import { redact, type ErrorMapper } from '@liteorm/core/backend'
import { redactError } from './redact-dsn.js'

/** The fields of a node-postgres error that the mapping reads. */
interface PgErrorFields {
  code?: unknown
  message?: unknown
  constraint?: unknown
  table?: unknown
  column?: unknown
}

const socketCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED'])
const lostConnection = /connection terminated|terminating connection|connection error|not queryable|timeout exceeded when trying to connect|connection timeout|closed the connection|Client was closed/i

/**
 * Makes the one function that maps node-postgres errors into liteorm's
 * classes, for a pool reaching `target` (shown in connection messages) with
 * `secrets` (the DSNs' passwords, scrubbed from every message, and from the
 * driver's error kept as `cause`). Errors already mapped pass through.
 *
 * SQLSTATE 23505/23503/23502/23514 become constraint errors carrying
 * `constraint`/`table`/`column`; 40001, 40P01 and 55P03 retryable errors;
 * 57014 `QueryCanceledError`; 54000 for the notification queue
 * `NotifyQueueFullError`; class 08, 57P01–57P03 and socket failures
 * `ConnectionError`; anything else `LiteormError` with the SQLSTATE kept in
 * `driverCode`.
 *
 * ### Examples
 *
 * ```ts
 * const mapError = createPostgresErrorMapper('app@db:5432/orders', ['s3cret'])
 * mapError(pgError, 'query') // UniqueViolationError { constraint: 'users_email_key', ... }
 * ```
 */
export function createPostgresErrorMapper(target: string, secrets: readonly (string | undefined)[]): ErrorMapper {
  const scrub = (text: string): string => redact(text, secrets)
  return (error, phase) => {
    if (error instanceof LiteormError) return error
    redactError(error, secrets)
    const fields: PgErrorFields = typeof error === 'object' && error !== null ? (error as PgErrorFields) : {}
    const code = typeof fields.code === 'string' ? fields.code : undefined
    const message = scrub(typeof fields.message === 'string' && fields.message !== '' ? fields.message : String(error))
    const options = { cause: error, driverCode: code }
    const where = {
      ...options,
      constraint: optionalString(fields.constraint),
      table: optionalString(fields.table),
      column: optionalString(fields.column),
    }
    switch (code) {
      case '23505':
        return new UniqueViolationError(message, where)
      case '23503':
        return new ForeignKeyViolationError(message, where)
      case '23502':
        return new NotNullViolationError(message, where)
      case '23514':
        return new CheckViolationError(message, where)
      case '40001':
        return new SerializationFailureError(`${message}: retry the transaction`, options)
      case '40P01':
        return new DeadlockError(`${message}: retry the transaction`, options)
      case '55P03':
        return new BusyError(`${message}: retry when the lock is free`, options)
      case '57014':
        return new QueryCanceledError(message, options)
      case '54000':
        if (/notif/i.test(message)) {
          return new NotifyQueueFullError(`${message}: a listener is not reading (or sits in a long transaction); see pg_notification_queue_usage(), then retry`, options)
        }
        break
    }
    const connectionLevel =
      phase === 'connect' ||
      (code !== undefined && (code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03')) ||
      (code !== undefined && socketCodes.has(code)) ||
      (code === undefined && lostConnection.test(message))
    if (connectionLevel) {
      const advice = phase === 'connect' ? ': check that the server is up and the connection settings are right' : ''
      return new ConnectionError(scrub(`PostgreSQL at ${target}: ${message}${advice}`), options)
    }
    return new LiteormError(message, options)
  }
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined
}
