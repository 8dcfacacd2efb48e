import type { LiteormError } from './errors.js'
import type { Notification } from './notification.js'

/** What `onReset` learns about the connection it runs on. */
export interface ResetInfo {
  /** `false` on the listener's first connection, `true` on every later one. */
  readonly reconnected: boolean
  /** The channels LISTEN is now in place for. */
  readonly channels: readonly string[]
}

/**
 * What happened to a listener's connection, as `onEvent` sees it.
 *
 * - `connected`: the first connection is up and LISTEN is in place.
 * - `disconnected`: the connection was lost; `error` says why.
 * - `connect-failed`: an attempt to (re)connect failed; the next comes after `retryInMs`.
 * - `reconnected`: a later connection is up, LISTEN is in place again and `onReset` has run.
 * - `queue-usage`: the server's notification queue (one per cluster) rose past `level`
 *   (0.5, then 0.9) of its size, as a health check found it; `usage` is the fraction found.
 *   Once per crossing: it fires again only after usage fell below `level`. PostgreSQL only.
 */
export type ListenerEvent =
  | { readonly type: 'connected'; readonly error?: undefined }
  | { readonly type: 'reconnected'; readonly error?: undefined }
  | { readonly type: 'disconnected'; readonly error: LiteormError }
  | { readonly type: 'connect-failed'; readonly error: LiteormError; readonly attempt: number; readonly retryInMs: number }
  | { readonly type: 'queue-usage'; readonly error?: undefined; readonly usage: number; readonly level: 0.5 | 0.9 }

/** Options every backend's `listen` accepts. */
export interface ListenOptions {
  /**
   * Awaited after LISTEN is in place on every connection, the first included,
   * before any notification that arrived meanwhile is delivered: read here
   * what may have been missed (the outbox pattern). If it throws, the
   * connection is treated as failed.
   */
  readonly onReset?: (info: ResetInfo) => void | Promise<void>
  /** Told of connection events; errors it throws are ignored. */
  readonly onEvent?: (event: ListenerEvent) => void
}

/**
 * A subscription to notification channels, delivering in arrival order.
 * Both backends implement it, so code written against it runs on either.
 *
 * ### Examples
 *
 * ```ts
 * const l = await listen(db, ['jobs'])
 * for await (const n of l) {           // ends when l.close() is called
 *   console.log(n.channel, n.payload)
 * }
 * ```
 */
export interface Listener extends AsyncIterable<Notification> {
  /** The channels listened to now, in the order they were added. */
  readonly channels: readonly string[]
  /**
   * Resolves with the next notification. Aborting `signal` rejects this call
   * only (with the signal's reason); the listener keeps what was queued.
   * Rejects with `ClosedError` once the listener is closed.
   */
  receive(signal?: AbortSignal): Promise<Notification>
  /** Adds a channel; rejects with `InvalidArgumentError` if it is already listened to. */
  listen(channel: string): Promise<void>
  /** Removes a channel; rejects with `InvalidArgumentError` if it is not listened to. */
  unlisten(channel: string): Promise<void>
  /** Removes every channel. */
  unlistenAll(): Promise<void>
  /** A round trip to the database; rejects with `ConnectionError` when disconnected. */
  ping(): Promise<void>
  /** Stops listening and releases the connection. Idempotent; pending `receive` calls reject with `ClosedError`. */
  close(): Promise<void>
}
