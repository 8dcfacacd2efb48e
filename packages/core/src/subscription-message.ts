import { LiteormError } from './errors.js'
import { CallbackError } from './listener-errors.js'
import type { Notification } from './notification.js'
import type { Channel, Message } from './typed-channel.js'

/**
 * The untyped message of a notification: its fields and `value`, the
 * payload text; `position` kept where the transport has one. Frozen.
 *
 * ### Examples
 *
 * ```ts
 * plainMessage(n).value === n.payload // true
 * ```
 */
export function plainMessage(n: Notification): Message<string> {
  return Object.freeze(
    n.position === undefined
      ? { channel: n.channel, payload: n.payload, pid: n.pid, value: n.payload }
      : { channel: n.channel, payload: n.payload, pid: n.pid, position: n.position, value: n.payload },
  )
}

/**
 * The message of a notification on the typed channel `spec`: `value` is the
 * parsed payload. Frozen. Throws what the channel's `parse` throws, as a
 * `LiteormError` (`InvalidPayloadError`, or a `CallbackError` naming
 * `owner` for anything else).
 *
 * ### Examples
 *
 * ```ts
 * typedMessage(jsonChannel<{ id: number }>('jobs'), n, 'the subscription to "jobs"').value.id
 * ```
 */
export function typedMessage<T>(spec: Channel<T>, n: Notification, owner: string): Message<T> {
  try {
    return Object.freeze({ ...n, value: spec.parse(n.payload) })
  } catch (error) {
    throw error instanceof LiteormError ? error : CallbackError.of('parse', error, owner)
  }
}

/**
 * Tells a subscription's `onError` (by default `console.error`) of what
 * went wrong; an `onError` that throws is ignored, there being no one left
 * to tell.
 *
 * ### Examples
 *
 * ```ts
 * reportTo(options.onError, CallbackError.of('handler', thrown, owner))
 * ```
 */
export function reportTo(onError: ((error: LiteormError) => void) | undefined, error: LiteormError): void {
  try {
    ;(onError ?? reportToConsole)(error)
  } catch {
    // onError itself failed: nothing more to tell anyone.
  }
}

function reportToConsole(error: LiteormError): void {
  console.error(`liteorm subscription: ${error.message}`)
}
