import { InvalidArgumentError, type Channel, type Session } from '@liteorm/core'
import { assertValidChannel, isChannel } from '@liteorm/core/backend'
import { requireContext } from './postgres-context.js'
import { SubscriptionHub } from './subscription-hub.js'
import { Subscription } from './subscription.js'
import type { PostgresSubscription, SubscribeOptions, SubscriptionStatus } from './subscription-types.js'

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
  handlerOrOptions: SubscribeOptions<T>['handler'] | SubscribeOptions<T> = {},
): Promise<PostgresSubscription<T>> {
  const spec = isChannel(channel) ? (channel as Channel<T>) : undefined
  const name = spec === undefined ? (channel as string) : spec.name
  assertValidChannel(name)
  const options = checkOptions(typeof handlerOrOptions === 'function' ? { handler: handlerOrOptions } : handlerOrOptions)
  const hub = SubscriptionHub.of(requireContext(db, 'subscribe'))
  const subscription = new Subscription<T>(name, spec, options, (s) => hub.remove(s as Subscription<unknown>))
  await hub.add(subscription as Subscription<unknown>)
  return subscription
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
  return SubscriptionHub.of(requireContext(db, 'subscriptionStatus')).status()
}

function checkOptions<T>(options: SubscribeOptions<T>): SubscribeOptions<T> {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError(`subscribe needs a handler function or an options object, got ${options === null ? 'null' : typeof options}`)
  }
  for (const name of ['handler', 'onReset', 'onError'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'function') {
      throw new InvalidArgumentError(`${name} must be a function, got ${typeof options[name]}`)
    }
  }
  const { maxBuffered } = options
  if (maxBuffered !== undefined && (typeof maxBuffered !== 'number' || !Number.isInteger(maxBuffered) || maxBuffered < 1)) {
    throw new InvalidArgumentError(`maxBuffered must be a positive integer, got ${String(maxBuffered)}`)
  }
  return Object.freeze({ ...options })
}
