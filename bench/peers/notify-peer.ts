/** The LISTEN/NOTIFY libraries compared, liteorm first. */
export type NotifyLibraryName = 'liteorm' | 'pg' | 'pg-listen' | 'postgres.js'

/** What a workload can ask of a listener besides delivery. */
export interface ListenHooks {
  /** `application_name` of the listener's connection, so the reconnect workload can terminate it. */
  readonly appName?: string
  /**
   * Called for every connection event the library tells its consumer about
   * (the gap signals of the reconnect workload), with the library's name for it.
   */
  readonly onSignal?: (what: string) => void
  /**
   * The consumer's re-sync after a reconnect (re-read what may have been
   * missed), handed to the library's reconnect hook if it has one. Whether
   * the library waits for it before delivering again is what the reconnect
   * workload checks.
   */
  readonly onResync?: () => Promise<void>
}

/** A running listener; `close` releases everything it holds. */
export interface BenchListener {
  close(): Promise<void>
}

/** Connections that send notifications in a library's own idiom. */
export interface BenchSenders {
  /** Sends one notification from sender `index` (0-based; a pooled library may ignore it). */
  send(index: number, channel: string, payload: string): Promise<unknown>
  close(): Promise<void>
}

/**
 * One library under test, seen through the same two operations: listen with
 * a per-notification callback (each library's natural consumer drives it),
 * and send with the library's own notify.
 */
export interface NotifyPeer {
  readonly name: NotifyLibraryName
  /** The consumer loop and the sender idiom, as the report describes them. */
  readonly idiom: { readonly consumer: string; readonly sender: string; readonly gapSignal: string }
  /**
   * Whether its notify makes the server call liteorm's makes, `select
   * pg_notify($1, $2)` with bound parameters: the peers liteorm's own-notify
   * targets compare with. (pg-listen's interpolated `NOTIFY` costs the server
   * less, so it is shown for reference only.)
   */
  readonly boundNotify: boolean
  /**
   * Listens to `channels` on a connection of its own and calls
   * `onNotification` for each delivery, in order. Resolves once LISTEN is in
   * place for every channel.
   */
  listen(
    url: string,
    channels: readonly string[],
    onNotification: (channel: string, payload: string) => void,
    hooks?: ListenHooks,
  ): Promise<BenchListener>
  /** Opens `count` senders (a pool of `count`, or `count` connections). */
  senders(url: string, count: number): Promise<BenchSenders>
}
