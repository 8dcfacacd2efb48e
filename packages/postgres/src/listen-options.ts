import type { ListenOptions } from '@liteorm/core'

/**
 * Options of `listen` on PostgreSQL: the dialect-neutral `onReset` and
 * `onEvent`, plus how the listener lives across faults.
 */
export interface PostgresListenOptions extends ListenOptions {
  /**
   * Reconnect after connection loss, with exponential backoff and jitter
   * between `minDelayMs` (default 100) and `maxDelayMs` (default 10 000).
   * The first attempt after a loss is immediate. Default on; `false` makes
   * connection loss final: `receive` then rejects with `ConnectionError`.
   */
  readonly reconnect?: boolean | { readonly minDelayMs?: number; readonly maxDelayMs?: number }
  /**
   * Every `healthCheckMs` (default 10 000), a round trip checks that the
   * connection answers and that the server's LISTEN set is ours; a connection
   * that does not answer within `healthCheckMs` is treated as lost, so a
   * half-open one is found within 2 × healthCheckMs. `false` turns it off.
   */
  readonly healthCheckMs?: number | false
  /**
   * How many notifications may wait for `receive` before the listener stops
   * reading from the socket (PostgreSQL holds the rest, nothing is dropped):
   * a whole number, default 10 000.
   */
  readonly maxBuffered?: number
}
