import type { Session } from '@liteorm/core'
import { channelList } from '@liteorm/core/backend'
import type { PostgresListenOptions } from './listen-options.js'
import { openListener } from './open-listener.js'
import { requireContext } from './postgres-context.js'
import type { PostgresListener } from './postgres-listener.js'

/**
 * Listens to `channels` on one dedicated connection taken from the DB's pool
 * (or from `listenUrl`'s)
 * for the listener's whole life, and resolves once LISTEN is in place and
 * the first `onReset` has run. Channel names are exact and case-sensitive,
 * and always quoted. The listener reconnects on connection loss unless
 * `reconnect: false`; see {@link PostgresListenOptions}.
 *
 * The first listener of a DB first checks that a notification sent through
 * the DB's pool reaches a listening connection; when it does not (a
 * transaction-mode pooler between liteorm and PostgreSQL), it rejects with
 * a `ConnectionError` that says so, instead of listening in silence.
 *
 * Rejects with `InvalidArgumentError` (before any I/O) for an invalid
 * channel or option, with `ConnectionError` if the first connection fails,
 * with a `CallbackError` (code `CALLBACK_FAILED`, `cause` what it threw) if
 * the first `onReset` throws, and with `ClosedError` on a closed DB.
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
export async function listen<S>(db: Session<S>, channels: string | readonly string[], options?: PostgresListenOptions): Promise<PostgresListener> {
  const list = channelList(channels)
  return openListener(requireContext(db, 'listen'), list, options)
}
