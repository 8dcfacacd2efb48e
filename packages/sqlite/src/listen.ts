import type { Session } from '@liteorm/core'
import { channelList, ListenerCore, type ListenerSettings } from '@liteorm/core/backend'
import type { SqliteListenOptions } from './listen-options.js'
import { sqliteListenerSettings } from './listener-settings.js'
import { requireLink, type SqliteContext } from './sqlite-context.js'
import { SqliteTransport } from './sqlite-link.js'
import type { SqliteListener } from './sqlite-listener.js'

/**
 * Listens to `channels`, with PostgreSQL's LISTEN semantics, and resolves
 * once the listener is in place and the first `onReset` has run: a
 * notification committed after that is heard, none committed before.
 * Channel names are exact and case-sensitive.
 *
 * On a file it hears commits of every process (and thread) on that file:
 * this process's at once, others' within about `pollIntervalMs` (10 ms by
 * default); it reads on a connection of its own. On `:memory:` it hears
 * this DB only.
 *
 * Rejects with `InvalidArgumentError` (before any I/O) for an invalid
 * channel or option, with `ClosedError` on a closed DB, with
 * `ConnectionError` if the file cannot be opened again, and with a
 * `CallbackError` (code `CALLBACK_FAILED`, `cause` what it threw) if the
 * first `onReset` throws.
 *
 * ### Examples
 *
 * ```ts
 * const l = await listen(db, ['jobs', 'Audit'], {
 *   onReset: async ({ reconnected }) => { await drainOutbox(db) },
 * })
 * for await (const n of l) handle(n)
 * ```
 */
export async function listen<S>(db: Session<S>, channels: string | readonly string[], options?: SqliteListenOptions): Promise<SqliteListener> {
  const list = channelList(channels)
  const { settings, pollIntervalMs } = sqliteListenerSettings(options)
  return openListener(requireLink(db, 'listen').context, list, settings, pollIntervalMs)
}

/**
 * Opens a listener on `context`, registered with the DB so that closing it
 * closes the listener: the part of `listen` after the arguments are
 * checked, shared with the subscription hub. Rejects as `listen` does.
 *
 * ### Examples
 *
 * ```ts
 * const { settings, pollIntervalMs } = sqliteListenerSettings(options)
 * const listener = await openListener(context, ['jobs'], settings, pollIntervalMs)
 * ```
 */
export function openListener(context: SqliteContext, channels: readonly string[], settings: ListenerSettings, pollIntervalMs: number): Promise<ListenerCore> {
  return ListenerCore.open({ transport: new SqliteTransport(context, pollIntervalMs), channels, settings, registry: context.resources })
}
