import type { Listener, ListenerStatus } from '@liteorm/core'

/**
 * The listener `listen()` returns on PostgreSQL: the dialect-neutral
 * {@link Listener} on one dedicated connection from the DB's pool, which it
 * keeps alive across faults (on loss it reconnects with backoff, re-issues
 * LISTEN for every channel, awaits `onReset`, then resumes delivery), plus
 * a diagnostic.
 *
 * ### Examples
 *
 * ```ts
 * const l = await listen(db, ['jobs'], { onReset: () => drainBacklog(db) })
 * await l.listen('audit')
 * const n = await l.receive(AbortSignal.timeout(5000))
 * console.log(await l.listeningOnServer()) // ['jobs', 'audit']
 * console.log(l.status.buffered, l.status.paused) // 0 false
 * await l.close()
 * ```
 */
export interface PostgresListener extends Listener {
  /**
   * Asks the server which channels this listener's connection listens to
   * (`pg_listening_channels()`): it should always equal `channels`. Rejects
   * with `ConnectionError` while disconnected, `ClosedError` after `close()`.
   */
  listeningOnServer(): Promise<string[]>
  /**
   * This listener's health, read without I/O: connected, reconnects, when
   * `onEvent` last heard of its connection, notifications received, buffered,
   * paused, channels (as `status(db)` reports each listener). Never fails.
   */
  readonly status: ListenerStatus
}
