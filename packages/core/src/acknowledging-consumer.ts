import type { Notification } from './notification.js'
import type { NotificationQueue } from './notification-queue.js'

/**
 * The consuming side of a listener whose transport wants to know when the
 * consumer is done with a notification (at-least-once delivery): a
 * notification handed out counts as done once the consumer asks for the
 * next one (`receive`, the iterator's `next`) or ends its `for await` loop
 * (the iterator's `return`). A notification received and then left by
 * `close()` is not acknowledged: it is delivered again.
 *
 * ### Examples
 *
 * ```ts
 * const consumer = new AcknowledgingConsumer(queue, (count) => transport.acknowledge?.(count))
 * const n = await consumer.receive()   // the previous one is acknowledged first
 * ```
 */
export class AcknowledgingConsumer {
  readonly #queue: NotificationQueue
  readonly #acknowledge: (count: number) => void
  /** Handed out and not yet acknowledged. */
  #outstanding = 0

  constructor(queue: NotificationQueue, acknowledge: (count: number) => void) {
    this.#queue = queue
    this.#acknowledge = acknowledge
  }

  /** Acknowledges what was handed out before, then resolves with the next notification, counting it as handed out. */
  receive(signal?: AbortSignal): Promise<Notification> {
    this.#done()
    return this.#queue.receive(signal).then(this.#handOut)
  }

  /** The queue's iterator on {@link AcknowledgingConsumer.receive}; ending the loop acknowledges the last one. */
  iterator(): AsyncIterableIterator<Notification> {
    const inner = this.#queue.iterator(() => this.receive())
    const iterator: AsyncIterableIterator<Notification> = {
      next: () => inner.next(),
      return: () => {
        this.#done()
        return inner.return!()
      },
      [Symbol.asyncIterator]: () => iterator,
    }
    return iterator
  }

  readonly #handOut = (n: Notification): Notification => {
    this.#outstanding++
    return n
  }

  #done(): void {
    const count = this.#outstanding
    if (count === 0) return
    this.#outstanding = 0
    this.#acknowledge(count)
  }
}
