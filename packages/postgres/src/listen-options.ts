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
  /**
   * Logical transport only (`open({ notifications: 'logical' })`): the
   * name of a durable consumer. Its listener reads a permanent replication
   * slot, `liteorm_<name>`, and delivers at least once: a notification is
   * acknowledged to the server only once the consumer is done with it
   * (asks for the next one or ends its `for await` loop), so after a crash
   * or a restart what was not acknowledged comes again (deduplicate with
   * `n.position`), and nothing sent while no listener ran is lost. 1 to 55
   * lower-case letters, digits and underscores. Drop a consumer you no
   * longer run with `dropDurable(db, name)`: its slot keeps WAL.
   */
  readonly durable?: string
  /**
   * Logical transport, durable only: when the slot holds back more than
   * this many bytes of WAL, `onEvent` hears `{ type: 'lag', slot, lagBytes }`
   * (once, until it falls below again). Checked with every health check and
   * every 10 s. Default 1 GiB.
   */
  readonly lagWarningBytes?: number
}
