import { InvalidArgumentError } from './errors.js'
import { InvalidPayloadError } from './listener-errors.js'
import type { Notification } from './notification.js'
import { assertValidChannel } from './notify-limits.js'

/**
 * A notification together with its payload as a value: the parsed value on a
 * typed channel, the payload text itself on a plain one.
 */
export type Message<T = string> = Notification & { readonly value: T }

/**
 * A channel whose payloads are values of type `T`: `notify` serialises them,
 * subscribers receive them parsed. Make one with {@link jsonChannel}.
 */
export interface Channel<T> {
  /** The channel name, exact and case-sensitive. */
  readonly name: string
  /** Turns a value into the payload text; throws `InvalidArgumentError` for a value the channel rejects. */
  serialize(value: T): string
  /** Turns a received payload into a value; throws `InvalidPayloadError` (with the raw text) when it cannot. */
  parse(payload: string): T
}

/**
 * Checks a parsed value: return `true` to accept it, `false` or throw to reject it.
 */
export type PayloadCheck<T> = ((value: unknown) => value is T) | ((value: unknown) => boolean)

/**
 * Declares a channel carrying JSON values of type `T`, with an optional
 * check run on both sides (before sending and after parsing). Throws
 * {@link InvalidArgumentError} for an invalid channel name.
 *
 * ### Examples
 *
 * ```ts
 * interface Job { id: number }
 * const jobs = jsonChannel<Job>('jobs', (v): v is Job => typeof (v as Job)?.id === 'number')
 * await notify(db, jobs, { id: 1 })
 * await subscribe(db, jobs, (m) => console.log(m.value.id))
 * ```
 */
export function jsonChannel<T>(name: string, check?: PayloadCheck<T>): Channel<T> {
  assertValidChannel(name)
  const accepts = (value: unknown): boolean => {
    if (check === undefined) return true
    try {
      return check(value)
    } catch {
      return false
    }
  }
  return Object.freeze({
    name,
    serialize(value: T): string {
      if (!accepts(value)) throw new InvalidArgumentError(`the value does not pass the check of channel ${JSON.stringify(name)}`)
      const text = JSON.stringify(value)
      if (text === undefined) throw new InvalidArgumentError(`the value cannot be serialised to JSON for channel ${JSON.stringify(name)}`)
      return text
    },
    parse(payload: string): T {
      let value: unknown
      try {
        value = JSON.parse(payload)
      } catch (error) {
        throw new InvalidPayloadError(`payload on channel ${JSON.stringify(name)} is not JSON`, name, payload, { cause: error })
      }
      if (!accepts(value)) throw new InvalidPayloadError(`payload on channel ${JSON.stringify(name)} does not pass its check`, name, payload)
      return value as T
    },
  })
}

/**
 * Whether `channel` is a typed {@link Channel} rather than a plain name.
 *
 * ### Examples
 *
 * ```ts
 * const name = isChannel(channel) ? channel.name : channel
 * ```
 */
export function isChannel(channel: unknown): channel is Channel<unknown> {
  return typeof channel === 'object' && channel !== null && typeof (channel as Channel<unknown>).parse === 'function'
}
