import type { Channel, Session, SubscribeOptions, Subscription, SubscriptionStatus } from '@liteorm/core'
import { SubscriptionHub, subscribeOn, subscriptionRequest } from '@liteorm/core/backend'
import { openListener } from './listen.js'
import { sqliteListenerSettings } from './listener-settings.js'
import { requireLink, type SqliteContext } from './sqlite-context.js'

/**
 * Subscribes to one channel with PostgreSQL's semantics, as
 * `@liteorm/postgres`'s `subscribe` does: any number of subscriptions on a
 * DB share one listener (one connection of its own to the file), which
 * listens to each channel once. Resolves once the subscription is in place
 * and its subscribing `onReset` has been scheduled: a notification
 * committed after that is delivered, in commit order, from this process
 * at once and from other processes on the file at their next poll.
 *
 * Pass a handler (run one message at a time; what it throws goes to
 * `onError`) or options; without a handler, read the subscription with
 * `receive()` or `for await`. On a typed channel (`jsonChannel`)
 * `message.value` is the parsed value; on a plain one, the payload text.
 *
 * Rejects with `InvalidArgumentError` before any I/O for an invalid channel
 * or option, with `ConnectionError` when the file cannot be opened again,
 * and with `ClosedError` on a closed DB, or when the DB is closed before the
 * subscription is in place.
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
): Promise<Subscription<T>> {
  const request = subscriptionRequest(channel, handlerOrOptions)
  return subscribeOn(hubOf(requireLink(db, 'subscribe').context), request)
}

/**
 * Reports a DB's subscriptions: how many, on which channels, and what its
 * shared listener listens to (the two lists are equal whenever no
 * subscribe/close is in flight). Rejects with `ClosedError` on a closed DB.
 *
 * ### Examples
 *
 * ```ts
 * const { subscribers, channels, serverChannels } = await subscriptionStatus(db)
 * ```
 */
export async function subscriptionStatus<S>(db: Session<S>): Promise<SubscriptionStatus> {
  return hubOf(requireLink(db, 'subscriptionStatus').context).status()
}

function hubOf(context: SqliteContext): SubscriptionHub {
  return SubscriptionHub.of(context, () => ({
    openListener: (channels, options) => {
      const { settings, pollIntervalMs } = sqliteListenerSettings(options)
      return openListener(context, channels, settings, pollIntervalMs)
    },
    registry: context.resources,
    closedError: () => context.closedError,
  }))
}
