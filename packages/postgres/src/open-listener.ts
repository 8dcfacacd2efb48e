import { ListenerCore } from '@liteorm/core/backend'
import type { PostgresListenOptions } from './listen-options.js'
import { checkNotificationsArrive } from './listener-self-check.js'
import { postgresListenerSettings } from './listener-settings.js'
import type { PostgresContext } from './postgres-context.js'
import { PostgresTransport } from './postgres-link.js'
import type { PostgresListener } from './postgres-listener.js'

/**
 * Opens a listener on `context`'s listen pool (after the DB's one-time
 * self-check, see `checkNotificationsArrive`), registered with the DB so that
 * closing it closes the listener: the part of `listen` after the
 * arguments are checked, shared with the subscription hub. Throws
 * `InvalidArgumentError` for a bad option; rejects as `listen` does.
 *
 * ### Examples
 *
 * ```ts
 * const listener = await openListener(context, ['jobs'], { onReset })
 * ```
 */
export function openListener(context: PostgresContext, channels: readonly string[], options?: PostgresListenOptions): Promise<PostgresListener> {
  const settings = postgresListenerSettings(options, context.listenPool.options.connectionTimeoutMillis || 10_000)
  return checkNotificationsArrive(context).then(() => ListenerCore.open({ transport: new PostgresTransport(context, settings.onEvent), channels, settings, registry: context.resources }))
}
