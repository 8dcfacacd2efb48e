import type { LiteormError } from './errors.js'
import type { Notification } from './notification.js'

/**
 * Where one link (one connection) of a listener is in its life:
 *
 * - `connecting`: being opened, LISTENing, or running `onReset`; what it
 *   delivers is held.
 * - `live`: delivering; LISTEN/UNLISTEN go to it.
 * - `lost`: known to be gone (or treated as gone); the listener reconnects.
 * - `released`: handed back (reusable) or destroyed; nothing more from it.
 *
 * A link moves only forward through these; see `docs/listener-links.md`.
 */
export type LinkState = 'connecting' | 'live' | 'lost' | 'released'

/**
 * What a link reports to the listener core. One per link; the core knows
 * from it which link spoke, so a late report from a replaced link is
 * ignored.
 */
export interface LinkSink {
  /**
   * Hands over one notification, in arrival order. The hot path: call it
   * straight from the transport's decoder, with a frozen value
   * (`createNotification`). Never throws.
   */
  readonly deliver: (notification: Notification) => void
  /**
   * The link is gone, or must be treated as gone (a gap the application
   * must be told of, a broken socket): the core releases it (destroying)
   * and reconnects, or ends the listener when reconnecting is off.
   * Idempotent; ignored once the link is released. Never throws.
   */
  lost(error: LiteormError): void
}

/**
 * One connection of a listener, as a transport makes it (see
 * {@link ListenerTransport}). It knows the driver; the listener core knows
 * the rest (the channel set, the queue, resets, reconnects, health checks,
 * closing). Every promise it returns rejects with a `LiteormError` (a
 * `ConnectionError` when the connection is the problem); it never needs
 * timeouts of its own, which the core applies, except in `release`.
 */
export interface ListenerLink {
  /** LISTENs to one more channel; resolves once the transport acknowledged it. */
  listen(channel: string): Promise<void>
  /** Stops listening to one channel; what was sent before it may still be delivered. */
  unlisten(channel: string): Promise<void>
  /** Stops listening to every channel. */
  unlistenAll(): Promise<void>
  /** Stops reading from the transport (backpressure): the transport keeps what follows. Never throws. */
  pause(): void
  /** Reads again after `pause()`. Never throws. */
  resume(): void
  /**
   * One round trip: resolves with the channels the transport says this
   * link listens to, or `undefined` when it cannot tell. The core's health
   * check compares them with its set; a probe that does not answer in time
   * means the link is lost.
   */
  probe(): Promise<readonly string[] | undefined>
  /**
   * Gives the connection back: `reusable`, after unlistening everything
   * (bounded: fall back to destroying when that does not answer within
   * about a second); otherwise destroyed at once. Called exactly once per
   * link by the core; settles promptly and never rejects.
   */
  release(reusable: boolean): Promise<void>
}

/**
 * What a backend gives the listener core: how to open a link. A third
 * transport (a logical replication connection, a pooled SQLite source)
 * implements this and {@link ListenerLink}, and nothing else.
 *
 * ### Examples
 *
 * ```ts
 * const transport: ListenerTransport = {
 *   target: 'PostgreSQL at db:5432/app',
 *   async open(channels, sink, signal) {
 *     const client = await abortable(pool.connect(), signal)
 *     // LISTEN each channel, route notifications to sink.deliver, errors to sink.lost
 *     return new MyLink(client, sink)
 *   },
 * }
 * ```
 */
export interface ListenerTransport {
  /** What the links connect to, for messages (`'PostgreSQL at db:5432/app'`); never holds a password. */
  readonly target: string
  /**
   * Opens a link listening to exactly `channels`, reporting to `sink`.
   * When `signal` aborts (timeout, close, loss), rejects promptly with
   * `signal.reason` and leaves nothing behind: a connection that arrives
   * later is released (destroyed) as it comes.
   */
  open(channels: readonly string[], sink: LinkSink, signal: AbortSignal): Promise<ListenerLink>
  /**
   * For a transport that delivers at least once (a durable replication
   * slot): the consumer is done with the `count` oldest notifications
   * handed out and not yet acknowledged (it asked for the next one, or
   * ended its `for await` loop), so the transport may tell the server.
   * The core calls it in hand-out order; absent, the core does no
   * bookkeeping. Never throws.
   */
  acknowledge?(count: number): void
}
