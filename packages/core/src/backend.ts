/**
 * What backend packages (`@liteorm/postgres`, `@liteorm/sqlite`, a third
 * one) build on, and applications never need: the listener core and the
 * link contract a transport implements, the session base on Kysely, the one
 * place errors are mapped, the notification queue, argument checks, the
 * `copyFrom` helpers and secret redaction. Not covered by the stability
 * promise of `@liteorm/core`'s main entry.
 *
 * @module
 */
export { KyselySession, toResult, type SessionScope } from './kysely-session.js'
export { withErrorMapping, type ErrorMapper } from './error-mapping-dialect.js'
export { compileQuery, type QueryCompilerSource, type TemplateCache } from './query-compiler.js'
export { foreignSessionError } from './foreign-session.js'
export { createNotification, createPositionedNotification } from './notification.js'
export { assertValidChannel, assertValidPayload, channelList } from './notify-limits.js'
export { isChannel } from './typed-channel.js'
export { outgoingNotification, type OutgoingNotification } from './outgoing-notification.js'
export { NotificationQueue, type NotificationQueueOptions } from './notification-queue.js'
export { ListenerCore, type Closeable, type ListenerCoreInit } from './listener-core.js'
export { SubscriptionHub, type HubBackend, type HubListener, type HubSnapshot } from './subscription-hub.js'
export { plainMessage, reportTo, typedMessage } from './subscription-message.js'
export { subscribeOn, subscriptionRequest, type SubscriptionRequest } from './subscribe-on.js'
export type { LinkSink, LinkState, ListenerLink, ListenerTransport } from './listener-link.js'
export {
  DEFAULT_RECONNECT,
  emitEvent,
  listenerSettings,
  type BufferedListenOptions,
  type ListenerSettings,
  type ReconnectSettings,
  type TransportSettings,
} from './listener-settings.js'
export { abortable } from './deadline.js'
export { copyTarget, describeValue, type CopyTarget } from './copy-target.js'
export { checkCopyRows, COPY_BATCH_ROWS, invalidCopyValue, rowBatches, type RowBatch } from './copy-rows.js'
export { passwordOf, redact } from './redact.js'
