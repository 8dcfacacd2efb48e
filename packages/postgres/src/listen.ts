import type { Session } from '@liteorm/core'
import { channelList } from '@liteorm/core/backend'
import { listenerSettings, type PostgresListenOptions } from './listen-options.js'
import { requireContext, type PostgresContext } from './postgres-context.js'
import { PostgresListener } from './postgres-listener.js'

/**
 * Listens to `channels` on one dedicated connection taken from the DB's pool
 * for the listener's whole life, and resolves once LISTEN is in place and
 * the first `onReset` has run. Channel names are exact and case-sensitive,
 * and always quoted. The listener reconnects on connection loss unless
 * `reconnect: false`; see {@link PostgresListenOptions}.
 *
 * Rejects with `InvalidArgumentError` (before any I/O) for an invalid
 * channel or option, with `ConnectionError` if the first connection fails,
 * and, if the first `onReset` throws, with that error (a non-liteorm error
 * comes wrapped in a `LiteormError` whose `cause` it is).
 *
 * ### Examples
 *
 * ```ts
 * const l = await listen(db, ['jobs', 'Audit'], {
 *   onReset: async ({ reconnected }) => { await drainOutbox(db) },
 *   onEvent: (e) => console.log(e.type, e.error?.message),
 * })
 * for await (const n of l) handle(n)
 * ```
 */
export async function listen<S>(
  db: Session<S>,
  channels: string | readonly string[],
  options?: PostgresListenOptions,
): Promise<PostgresListener> {
  const list = channelList(channels)
  return openListener(requireContext(db, 'listen'), list, options)
}

/**
 * Starts a listener on `context`'s pool: the part of {@link listen} after
 * the arguments are checked, shared with the subscription hub.
 *
 * ### Examples
 *
 * ```ts
 * const listener = await openListener(context, ['jobs'], { onReset })
 * ```
 */
export async function openListener(context: PostgresContext, channels: readonly string[], options?: PostgresListenOptions): Promise<PostgresListener> {
  const settings = listenerSettings(options, context.pool.options.connectionTimeoutMillis || 10_000)
  const listener = new PostgresListener(context, channels, settings)
  await listener.start()
  return listener
}
