import { assertValidChannel, assertValidPayload } from './notify-limits.js'
import { isChannel, type Channel } from './typed-channel.js'

/** A notification about to be sent: the channel name and the payload text, both checked. */
export interface OutgoingNotification {
  readonly channel: string
  readonly payload: string
}

/**
 * The checked channel name and payload text of a `notify` call, on a plain
 * channel (`payload` is the text; absent means `''`) or a typed one (the
 * value is checked and serialised by the channel). Throws
 * `InvalidArgumentError` for an invalid channel, a payload that is not a
 * string or is 8000 bytes or more, or a value the typed channel rejects.
 *
 * ### Examples
 *
 * ```ts
 * const { channel, payload } = outgoingNotification(jsonChannel<{ id: number }>('jobs'), { id: 1 })
 * // channel 'jobs', payload '{"id":1}'
 * ```
 */
export function outgoingNotification<T>(channel: string | Channel<T>, payload: string | T | undefined): OutgoingNotification {
  const typed = isChannel(channel)
  const name = typed ? channel.name : channel
  const text = typed ? (channel as Channel<T>).serialize(payload as T) : (payload ?? '')
  assertValidChannel(name)
  assertValidPayload(text)
  return { channel: name, payload: text }
}
