import type { Listener } from '@liteorm/core'

/**
 * The listener `listen()` returns on SQLite: the dialect-neutral
 * {@link Listener}. Every notification it delivers comes from one path, the
 * notifications table, read in id order, which is commit order: so nothing
 * is delivered twice and the order is the same for every listener in every
 * process. Commits made in this process wake it at once; commits by other
 * processes are seen by polling `PRAGMA data_version` on its own connection
 * every `pollIntervalMs`.
 *
 * When it falls so far behind that the notifier pruned rows it had not read
 * (a consumer more than `maxBuffered` behind for longer than the
 * retention), or its reads fail, it reports it as PostgreSQL's listener
 * reports a lost connection: `onEvent` `disconnected` (a
 * `MissedNotificationsError` with code `PRUNED`, or the read's error), then
 * `onReset` with `reconnected: true` (re-read what may have been missed),
 * then `reconnected`.
 *
 * ### Examples
 *
 * ```ts
 * const l: SqliteListener = await listen(db, ['jobs'])
 * await l.listen('audit')
 * const n = await l.receive(AbortSignal.timeout(5000))
 * await l.close()
 * ```
 */
export type SqliteListener = Listener
