/**
 * liteorm's dialect-neutral contracts, for applications and libraries
 * written against any backend: `Session`, `DB`, `Listener`, the value types,
 * the error hierarchy, `sql` and `jsonChannel`. No database driver.
 * Backend packages import what they need besides from `@liteorm/core/backend`.
 *
 * @module
 */
export * from './errors.js'
export * from './constraint-errors.js'
export * from './retryable-errors.js'
export * from './listener-errors.js'
export type { Notification } from './notification.js'
export type { Dialect, DB, Query, Result, Session, TransactionOptions } from './session.js'
export type { Listener, ListenerEvent, ListenOptions, ResetInfo } from './listener.js'
export type { ListenerStatus } from './listener-status.js'
export { sql, type RawBuilder, type Sql } from './sql.js'
export { jsonChannel, type Channel, type Message, type PayloadCheck } from './typed-channel.js'
export type { SubscribeOptions, Subscription, SubscriptionReset, SubscriptionStatus } from './subscription-types.js'
export type { CopyColumn, CopyTable, CopyValue } from './copy-target.js'
export type { CopyFromOptions, CopyRow, CopyRows } from './copy-rows.js'
