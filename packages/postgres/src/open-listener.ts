import { InvalidArgumentError } from '@liteorm/core'
import { ListenerCore } from '@liteorm/core/backend'
import { durableSlotName } from './durable-slot.js'
import type { PostgresListenOptions } from './listen-options.js'
import { checkNotificationsArrive } from './listener-self-check.js'
import { postgresListenerSettings } from './listener-settings.js'
import { LogicalTransport } from './logical-transport.js'
import type { PostgresContext } from './postgres-context.js'
import { PostgresTransport } from './postgres-link.js'
import type { PostgresListener } from './postgres-listener.js'

/** Lag past which a durable listener's `onEvent` hears a `lag` event, unless `lagWarningBytes` says otherwise. */
const DEFAULT_LAG_WARNING_BYTES = 1024 ** 3

/**
 * Opens a listener on `context`'s listen pool (after the DB's one-time
 * self-check, see `checkNotificationsArrive`), or, on a DB opened with
 * `notifications: 'logical'`, on a replication connection; registered with
 * the DB so that closing it closes the listener: the part of `listen` after
 * the arguments are checked, shared with the subscription hub. Throws
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
  if (context.notifications === 'logical') {
    const slot = options?.durable === undefined ? undefined : durableSlotName(options.durable)
    const lagWarningBytes = options?.lagWarningBytes ?? DEFAULT_LAG_WARNING_BYTES
    if (typeof lagWarningBytes !== 'number' || !(lagWarningBytes >= 0)) {
      throw new InvalidArgumentError(`lagWarningBytes must be a number of bytes, got ${String(lagWarningBytes)}`)
    }
    const transport = new LogicalTransport(context, { slot, lagWarningBytes, onEvent: settings.onEvent })
    return ListenerCore.open({ transport, channels, settings, registry: context.resources })
  }
  if (options?.durable !== undefined || options?.lagWarningBytes !== undefined) {
    throw new InvalidArgumentError("durable and lagWarningBytes need the logical transport: open the DB with notifications: 'logical'")
  }
  return checkNotificationsArrive(context).then(() => ListenerCore.open({ transport: new PostgresTransport(context, settings.onEvent), channels, settings, registry: context.resources }))
}
