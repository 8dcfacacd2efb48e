/**
 * liteorm on SQLite: `open` a DB, run typed queries, and NOTIFY/LISTEN and
 * subscriptions with PostgreSQL's semantics, within a process and across
 * processes on one file.
 *
 * @module
 */
export { open } from './open.js'
export type { OpenOptions } from './open-options.js'
export { notify } from './notify.js'
export { copyFrom } from './copy-from.js'
export { listen } from './listen.js'
export { subscribe, subscriptionStatus } from './subscribe.js'
export type { SqliteListenOptions } from './listen-options.js'
export type { SqliteListener } from './sqlite-listener.js'
export type { SqliteDB, SqliteSession } from './sqlite-db.js'
export { jsonChannel, sql } from '@liteorm/core'
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
export type {
  Channel,
  CopyFromOptions,
  CopyRow,
  CopyRows,
  DB,
  LiteormErrorCode,
  Listener,
  ListenerEvent,
  Message,
  Notification,
  ResetInfo,
  Result,
  Session,
  SubscribeOptions,
  Subscription,
  SubscriptionReset,
  SubscriptionStatus,
  TransactionOptions,
} from '@liteorm/core'
