import type { ListenOptions } from '@liteorm/core'
import { emitEvent } from '@liteorm/core/backend'

/** The fractions of the notification queue at which `onEvent` hears of it (PostgreSQL logs a warning from half full). */
const LEVELS = [0.5, 0.9] as const

/**
 * Tells a listener's `onEvent` when the server's notification queue rises
 * past half and past nine tenths of its size, from the usage its health
 * checks sample: once per crossing upward, and again only after the usage
 * fell back below that level. One per listener, kept across its
 * connections. Never fails (what `onEvent` throws is ignored).
 *
 * ### Examples
 *
 * ```ts
 * const alarm = new QueueUsageAlarm(options.onEvent)
 * alarm.sample(0.62) // onEvent({ type: 'queue-usage', usage: 0.62, level: 0.5 })
 * alarm.sample(0.7)  // nothing: still above 0.5, already told
 * ```
 */
export class QueueUsageAlarm {
  readonly #onEvent: ListenOptions['onEvent']
  /** Per level: whether crossing it upward is still to be told. */
  readonly #armed = LEVELS.map(() => true)

  constructor(onEvent: ListenOptions['onEvent']) {
    this.#onEvent = onEvent
  }

  /** Takes one reading of `pg_notification_queue_usage()`. */
  sample(usage: number): void {
    LEVELS.forEach((level, i) => {
      if (usage < level) {
        this.#armed[i] = true
      } else if (this.#armed[i]) {
        this.#armed[i] = false
        emitEvent(this.#onEvent, { type: 'queue-usage', usage, level })
      }
    })
  }
}
