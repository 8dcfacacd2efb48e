import type { ListenCallbacks } from './notification-database.js'
import type { Reporter } from './reporter.js'

/**
 * The `onReset` and `onEvent` callbacks with which `tail` tells stderr,
 * one line each, that it listens, that the connection was lost, that a
 * reconnection attempt failed, and that it listens again (notifications
 * sent meanwhile were not received). Messages come from liteorm's errors,
 * which never contain a password.
 *
 * ### Examples
 *
 * ```ts
 * const listener = await db.listen(['jobs'], listenerReports(reporter))
 * // stderr: liteorm tail: listening on "jobs"
 * ```
 */
export function listenerReports(reporter: Reporter): ListenCallbacks {
  return {
    onReset: ({ reconnected, channels }) => {
      const names = channels.map((c) => JSON.stringify(c)).join(', ')
      if (!reconnected) reporter.say(`listening on ${names}`)
      else reporter.say(`reconnected; listening on ${names} again (notifications sent while disconnected were not received)`)
    },
    onEvent: (event) => {
      if (event.type === 'disconnected') reporter.say(`connection lost: ${event.error.message}; reconnecting`)
      else if (event.type === 'connect-failed') {
        reporter.say(`reconnection attempt ${event.attempt} failed: ${event.error.message}; next in ${Math.round(event.retryInMs)} ms`)
      }
    },
  }
}
