import type { ListenerStatus, Session } from '@liteorm/core'
import { ListenerCore, SubscriptionHub } from '@liteorm/core/backend'
import { queryOnPool } from './pool-query.js'
import { requireContext } from './postgres-context.js'
import { replicationStatus, type ReplicationSlotStatus } from './replication-status.js'

/**
 * What {@link status} reports of a DB's subscriptions: their shared
 * listener's health, and the messages waiting in their own buffers.
 *
 * ### Examples
 *
 * ```ts
 * const { subscriptions } = await status(db)
 * if (subscriptions?.listener?.connected === false) console.warn('subscriptions are reconnecting')
 * ```
 */
export interface SubscriptionsHealth {
  /** Live subscriptions. */
  readonly subscribers: number
  /** Channels with at least one subscriber. */
  readonly channels: readonly string[]
  /** Messages waiting in the subscriptions' buffers, all together. */
  readonly buffered: number
  /** The shared listener; `undefined` while no channel has a subscriber (it is closed with the last). */
  readonly listener: ListenerStatus | undefined
}

/**
 * What {@link status} reports: the server's notification queue, and every
 * open listener and the subscriptions of one DB, in this process.
 *
 * ### Examples
 *
 * ```ts
 * const report: PostgresStatus = await status(db)
 * console.log(JSON.stringify(report)) // {"queueUsage":0,"listeners":[{"connected":true,...}]}
 * ```
 */
export interface PostgresStatus {
  /**
   * `pg_notification_queue_usage()`: the fraction (0 to 1) of the cluster's
   * one notification queue in use. Notifications stay in it until every
   * listening connection has read them, so a listener that stops reading
   * (or a session that sits in a long transaction) makes it grow; when it
   * is full, senders' commits fail with `NotifyQueueFullError`.
   */
  readonly queueUsage: number
  /** The DB's open listeners (from `listen`), oldest first. */
  readonly listeners: readonly ListenerStatus[]
  /** The DB's subscriptions (from `subscribe`); `undefined` while it has none. */
  readonly subscriptions: SubscriptionsHealth | undefined
  /**
   * On a DB opened with `notifications: 'logical'`: the transport's
   * replication slots in the DB's database (see `replicationStatus`), each
   * with its lag in bytes; `undefined` on the NOTIFY transport.
   */
  readonly slots: readonly ReplicationSlotStatus[] | undefined
}

/**
 * Reports on the health of a DB's notifications: how full the server's
 * notification queue is (one round trip, on the DB's pool), and, from
 * what this process holds without I/O, each open listener's connection,
 * reconnects, buffered notifications and paused state, and the same for
 * the subscriptions' shared listener; on the logical transport, its
 * replication slots and their lag (one more round trip). Rejects with `ConnectionError` when
 * the server cannot be reached, `ClosedError` on a closed DB, and
 * `InvalidArgumentError` for a session of another backend.
 *
 * ### Examples
 *
 * ```ts
 * const { queueUsage, listeners, subscriptions } = await status(db)
 * if (queueUsage > 0.5) console.warn(`notification queue ${Math.round(queueUsage * 100)} % full`)
 * for (const l of listeners) console.log(l.channels, l.connected, l.reconnects, l.buffered, l.paused)
 * ```
 */
export async function status<S>(db: Session<S>): Promise<PostgresStatus> {
  const context = requireContext(db, 'status')
  const [{ rows }, slots] = await Promise.all([
    queryOnPool<{ usage: number }>(context, 'select pg_notification_queue_usage() as usage'),
    context.notifications === 'logical' ? replicationStatus(db) : undefined,
  ])
  let subscriptions: SubscriptionsHealth | undefined
  let shared: unknown
  const listeners: ListenerStatus[] = []
  for (const resource of context.resources) {
    if (!(resource instanceof SubscriptionHub)) continue
    const { listener, ...rest } = resource.snapshot
    shared = listener
    subscriptions = { ...rest, listener: listener instanceof ListenerCore ? listener.status : undefined }
  }
  for (const resource of context.resources) {
    if (resource instanceof ListenerCore && resource !== shared) listeners.push(resource.status)
  }
  return { queueUsage: rows[0]!.usage, listeners, subscriptions, slots }
}
