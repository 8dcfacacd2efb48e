/**
 * liteorm on SQLite: `open` a DB, run typed queries, and NOTIFY/LISTEN with
 * PostgreSQL's semantics, within a process and across processes on one file.
 *
 * @module
 */
export { open } from './open.js'
export type { OpenOptions } from './open-options.js'
export { notify } from './notify.js'
export { copyFrom } from './copy-from.js'
export { listen } from './listen.js'
export type { SqliteListenOptions } from './listen-options.js'
export type { SqliteListener } from './sqlite-listener.js'
export type { SqliteDB, SqliteSession } from './sqlite-db.js'
export { sql } from '@liteorm/core'
export {
  BusyError,
  CallbackError,
  CheckViolationError,
  ClosedError,
  ConnectionError,
  ConstraintViolationError,
  DeadlockError,
  ForeignKeyViolationError,
  InvalidArgumentError,
  InvalidPayloadError,
  LiteormError,
  MissedNotificationsError,
  NoRowsError,
  NotNullViolationError,
  NotifyQueueFullError,
  QueryCanceledError,
  RetryableError,
  SerializationFailureError,
  UniqueViolationError,
} from '@liteorm/core'
export type { CopyFromOptions, CopyRow, CopyRows, DB, LiteormErrorCode, Listener, ListenerEvent, Notification, ResetInfo, Result, Session, TransactionOptions } from '@liteorm/core'
