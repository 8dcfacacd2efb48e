import type { SubscribeOptions } from '@liteorm/core'

/**
 * `subscribe`'s options on PostgreSQL: the backend-neutral ones, and
 * `durable` on the logical transport.
 *
 * ### Examples
 *
 * ```ts
 * const options: PostgresSubscribeOptions<string> = { durable: 'billing', handler: (m) => bill(m.payload) }
 * ```
 */
export interface PostgresSubscribeOptions<T> extends SubscribeOptions<T> {
  /**
   * Logical transport only (`open({ notifications: 'logical' })`): the name
   * of a durable consumer, as `listen`'s `durable`. The subscription gets a
   * listener of its own on the slot `liteorm_<durable>` (not the DB's shared
   * one) and delivers at least once: a message is acknowledged only once
   * its handler's promise settled, or, read as a stream, once the next one
   * is asked for. `maxBuffered` then bounds what is read ahead (the slot
   * keeps the rest; nothing is dropped, so `onReset` never reports
   * `dropped`).
   */
  readonly durable?: string
}
