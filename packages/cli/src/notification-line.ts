import type { Notification } from '@liteorm/postgres'

/**
 * One line of `tail`'s output, and whether a payload that was to be parsed
 * as JSON was not JSON (it is then printed as a string).
 *
 * ### Examples
 *
 * ```ts
 * const { line, notJson } = notificationLine(n, new Date(), true)
 * ```
 */
interface NotificationLine {
  /** `{"ts","channel","payload","pid"}` as JSON, ending with a newline. */
  readonly line: string
  /** `true` when `jsonPayload` was asked for and the payload is not JSON. */
  readonly notJson: boolean
}

/**
 * Formats `notification`, received at `receivedAt`, as `tail` prints it:
 * `{"ts":"2025-01-01T12:00:00.000Z","channel":"jobs","payload":"{\"id\":1}","pid":4242}`.
 * With `jsonPayload`, the payload is parsed JSON instead of a string
 * (`"payload":{"id":1}`), unless it is not JSON. Never fails.
 *
 * ### Examples
 *
 * ```ts
 * notificationLine({ channel: 'jobs', payload: '{"id":1}', pid: 4242 }, new Date(0), true).line
 * // '{"ts":"1970-01-01T00:00:00.000Z","channel":"jobs","payload":{"id":1},"pid":4242}\n'
 * ```
 */
export function notificationLine(notification: Notification, receivedAt: Date, jsonPayload: boolean): NotificationLine {
  const { channel, payload, pid } = notification
  let printed: unknown = payload
  let notJson = false
  if (jsonPayload) {
    try {
      printed = JSON.parse(payload)
    } catch {
      notJson = true
    }
  }
  const line = `${JSON.stringify({ ts: receivedAt.toISOString(), channel, payload: printed, pid })}\n`
  return { line, notJson }
}
