import type { Listener } from '@liteorm/core'

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
}
