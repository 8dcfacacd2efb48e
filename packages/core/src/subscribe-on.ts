import { InvalidArgumentError } from './errors.js'
import { HubSubscription } from './hub-subscription.js'
import { assertValidChannel } from './notify-limits.js'
import type { SubscriptionHub } from './subscription-hub.js'
import type { SubscribeOptions, Subscription } from './subscription-types.js'
import { isChannel, type Channel } from './typed-channel.js'

/** A `subscribe` call's arguments, checked: the channel name, its typed channel if any, and the options, frozen. */
export interface SubscriptionRequest<T, O extends SubscribeOptions<T> = SubscribeOptions<T>> {
  readonly name: string
  readonly spec: Channel<T> | undefined
  readonly options: O
}

/**
 * Checks a `subscribe` call's channel and handler or options before any
 * I/O. Throws `InvalidArgumentError` for an invalid channel or option.
 *
 * ### Examples
 *
 * ```ts
 * const request = subscriptionRequest(jsonChannel<{ id: number }>('jobs'), (m) => run(m.value.id))
 * request.name // 'jobs'
 * ```
 */
export function subscriptionRequest<T, O extends SubscribeOptions<T> = SubscribeOptions<T>>(
  channel: string | Channel<T>,
  handlerOrOptions: SubscribeOptions<T>['handler'] | O,
): SubscriptionRequest<T, O> {
  const spec = isChannel(channel) ? (channel as Channel<T>) : undefined
  const name = spec === undefined ? (channel as string) : spec.name
  assertValidChannel(name)
  const options = checkOptions<T, O>(typeof handlerOrOptions === 'function' ? ({ handler: handlerOrOptions } as O) : handlerOrOptions)
  return { name, spec, options }
}

/**
 * Subscribes a checked request on a DB's hub (the shared listener):
 * resolves once its LISTEN is in place. Rejects as
 * {@link SubscriptionHub.add} does.
 *
 * ### Examples
 *
 * ```ts
 * export function subscribe(db, channel, handlerOrOptions) {
 *   return subscribeOn(SubscriptionHub.of(context, () => hubBackend(context)), subscriptionRequest(channel, handlerOrOptions))
 * }
 * ```
 */
export async function subscribeOn<T>(hub: SubscriptionHub, { name, spec, options }: SubscriptionRequest<T>): Promise<Subscription<T>> {
  const subscription = new HubSubscription<T>(name, spec, options, (s) => hub.remove(s as HubSubscription<unknown>))
  await hub.add(subscription as HubSubscription<unknown>)
  return subscription
}

function checkOptions<T, O extends SubscribeOptions<T>>(options: O | undefined): O {
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
