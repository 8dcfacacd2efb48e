import type { Channel, Session, SubscribeOptions, Subscription, SubscriptionStatus } from '@liteorm/core'
import { SubscriptionHub, subscribeOn, subscriptionRequest } from '@liteorm/core/backend'
import { DurableSubscription } from './durable-subscription.js'
import { openListener } from './open-listener.js'
import { requireContext, type PostgresContext } from './postgres-context.js'
import type { PostgresSubscribeOptions } from './subscribe-options.js'

/**
 * Subscribes to one channel on the DB's shared subscription connection: any
 * number of subscriptions in a process share one pool connection per DB,
 * LISTENing each channel once. Resolves once LISTEN is in place on the
 * server and the subscribing `onReset` has been scheduled; subscribing
 * while the shared connection is down waits until it is back.
 *
 * Pass a handler (run one message at a time; what it throws goes to
 * `onError`) or options; without a handler, read the subscription with
 * `receive()` or `for await`. On a typed channel ({@link jsonChannel})
 * `message.value` is the parsed value; on a plain one, the payload text.
 *
 * Rejects with `InvalidArgumentError` before any I/O for an invalid channel
 * or option, with `ConnectionError` when the shared connection cannot be
 * made, and with `ClosedError` on a closed DB, or when the DB is closed
 * before the subscription is in place (leaving no connection behind).
 *
 * ### Examples
 *
 * ```ts
 * const jobs = jsonChannel<{ id: number }>('jobs')
 * const a = await subscribe(db, jobs, (m) => run(m.value.id))
 * const b = await subscribe(db, 'audit', { onReset: () => reloadAudit(db) })
 * for await (const m of b) console.log(m.payload)
 * await a.close()
 * ```
 */
export async function subscribe<S, T = string>(
  db: Session<S>,
  channel: string | Channel<T>,
  handlerOrOptions: SubscribeOptions<T>['handler'] | PostgresSubscribeOptions<T> = {},
): Promise<Subscription<T>> {
  const { name, spec, options } = subscriptionRequest<T, PostgresSubscribeOptions<T>>(channel, handlerOrOptions)
  const context = requireContext(db, 'subscribe')
  const { durable } = options
  if (durable !== undefined) return DurableSubscription.open(context, name, spec, { ...options, durable })
  return subscribeOn(hubOf(context), { name, spec, options })
}

/**
 * Reports a DB's subscriptions: how many, on which channels, and what the
 * server says the shared connection listens to (the two lists are equal
 * whenever no subscribe/close is in flight). Rejects with `ConnectionError`
 * while the shared connection is reconnecting, with `ClosedError` on a
 * closed DB.
 *
 * ### Examples
 *
 * ```ts
 * const { subscribers, channels, serverChannels } = await subscriptionStatus(db)
 * ```
 */
export async function subscriptionStatus<S>(db: Session<S>): Promise<SubscriptionStatus> {
  return hubOf(requireContext(db, 'subscriptionStatus')).status()
}

function hubOf(context: PostgresContext): SubscriptionHub {
  return SubscriptionHub.of(context, () => ({
    openListener: (channels, options) => openListener(context, channels, options),
    registry: context.resources,
    closedError: () => context.closedError,
  }))
}
