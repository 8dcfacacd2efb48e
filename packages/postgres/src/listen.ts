import { channelList, type Session } from '@liteorm/core'
import { listenerSettings, type PostgresListenOptions } from './listen-options.js'
import { requireContext } from './postgres-context.js'
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
 * and with what `onReset` threw if the first `onReset` fails.
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
  const context = requireContext(db, 'listen')
  const settings = listenerSettings(options, context.pool.options.connectionTimeoutMillis || 10_000)
  const listener = new PostgresListener(context, list, settings)
  await listener.start()
  return listener
}
