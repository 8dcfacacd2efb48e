import { InvalidArgumentError } from './errors.js'
import { HubSubscription } from './hub-subscription.js'
import { assertValidChannel } from './notify-limits.js'
import type { SubscriptionHub } from './subscription-hub.js'
import type { SubscribeOptions, Subscription } from './subscription-types.js'
import { isChannel, type Channel } from './typed-channel.js'

/**
 * The whole of a backend's `subscribe` once it has its DB's hub: checks the
 * channel and the handler or options before any I/O, then subscribes on
 * `hub`. Throws `InvalidArgumentError` for an invalid channel or option;
 * rejects as {@link SubscriptionHub.add} does.
 *
 * ### Examples
 *
 * ```ts
 * export function subscribe(db, channel, handlerOrOptions) {
 *   return subscribeOn(() => SubscriptionHub.of(context, () => hubBackend(context)), channel, handlerOrOptions)
 * }
 * ```
 */
export async function subscribeOn<T>(
  hubOf: () => SubscriptionHub,
  channel: string | Channel<T>,
  handlerOrOptions: SubscribeOptions<T>['handler'] | SubscribeOptions<T>,
): Promise<Subscription<T>> {
  const spec = isChannel(channel) ? (channel as Channel<T>) : undefined
  const name = spec === undefined ? (channel as string) : spec.name
  assertValidChannel(name)
  const options = checkOptions(typeof handlerOrOptions === 'function' ? { handler: handlerOrOptions } : handlerOrOptions)
  const hub = hubOf()
  const subscription = new HubSubscription<T>(name, spec, options, (s) => hub.remove(s as HubSubscription<unknown>))
  await hub.add(subscription as HubSubscription<unknown>)
  return subscription
}

function checkOptions<T>(options: SubscribeOptions<T> | undefined): SubscribeOptions<T> {
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
