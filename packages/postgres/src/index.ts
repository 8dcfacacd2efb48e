/**
 * liteorm on PostgreSQL: `open` a DB, run typed queries, and LISTEN/NOTIFY
 * with a listener that survives faults.
 *
 * @module
 */
export { open } from './open.js'
export type { NotificationTransport, OpenOptions } from './open-options.js'
export { pool } from './pool.js'
export { notify } from './notify.js'
export { installLargePayloads } from './large-payloads.js'
export { status, type PostgresStatus, type SubscriptionsHealth } from './status.js'
export { copyFrom } from './copy-from.js'
export { listen } from './listen.js'
export { dropDurable } from './durable-slot.js'
export { replicationStatus, type ReplicationSlotStatus } from './replication-status.js'
export { subscribe, subscriptionStatus } from './subscribe.js'
export type { PostgresSubscription } from './postgres-subscription.js'
export type { PostgresSubscribeOptions } from './subscribe-options.js'
export type { PostgresListenOptions } from './listen-options.js'
export type { PostgresListener } from './postgres-listener.js'
export type { PostgresDB, PostgresSession } from './postgres-db.js'
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
  ListenerStatus,
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
