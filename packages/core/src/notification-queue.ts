import { ClosedError } from './errors.js'
import type { Notification } from './notification.js'

/** Flow-control settings of a {@link NotificationQueue}. */
export interface NotificationQueueOptions {
  /** Queue length at which `onHighWater` is called (the producer should pause). */
  readonly highWaterMark: number
  /** Queue length at or below which `onLowWater` is called after a pause. */
  readonly lowWaterMark: number
  /** Called once when the queue reaches `highWaterMark`. */
  readonly onHighWater?: () => void
  /** Called once when a paused queue drains to `lowWaterMark`. */
  readonly onLowWater?: () => void
}

interface Waiter<N> {
  resolve(n: N): void
  reject(e: unknown): void
  signal: AbortSignal | undefined
  onAbort: (() => void) | undefined
}

/**
 * The delivery half of a listener, shared by the backends: an in-order queue
 * of notifications, the `receive` calls waiting on it, abort handling and
 * flow control. It does no I/O.
 *
 * A backend pushes what arrives; `hold()` keeps deliveries queued (while
 * `onReset` runs) and `release()` lets them go. `end()` finishes it: pending
 * and later `receive` calls reject with the given error.
 *
 * ### Examples
 *
 * ```ts
 * const q = new NotificationQueue({ highWaterMark: 1000, lowWaterMark: 100,
 *   onHighWater: () => socket.pause(), onLowWater: () => socket.resume() })
 * socket.on('notification', (m) => q.push(createNotification(m.channel, m.payload, m.pid)))
 * const n = await q.receive(AbortSignal.timeout(1000))
 * ```
 */
export class NotificationQueue<N extends Notification = Notification> {
  readonly #options: NotificationQueueOptions
  #items: N[] = []
  #head = 0
  #waiters: Waiter<N>[] = []
  #held = false
  #paused = false
  #ended: Error | undefined

  constructor(options: NotificationQueueOptions) {
    this.#options = options
  }

  /** Notifications queued and not yet received. */
  get size(): number {
    return this.#items.length - this.#head
  }

  /** Delivers `n` to the oldest waiting `receive`, or queues it. Ignored once ended. */
  push(n: N): void {
    if (this.#ended !== undefined) return
    if (!this.#held && this.#waiters.length > 0) {
      this.#settle(this.#waiters.shift()!, n)
      return
    }
    this.#items.push(n)
    if (!this.#paused && this.#items.length - this.#head >= this.#options.highWaterMark) {
      this.#paused = true
      this.#options.onHighWater?.()
    }
  }

  /**
   * Takes the next notification when one can be handed out right now (queued
   * and not held), else returns `undefined`: how a consumer drains a burst
   * without a promise per notification. Flow control as for `receive`.
   */
  tryTake(): N | undefined {
    return this.#held || this.#head === this.#items.length ? undefined : this.#take()
  }

  /** Keeps new notifications queued until `release()`. */
  hold(): void {
    this.#held = true
  }

  /** Ends a `hold()`: queued notifications go to waiting `receive` calls, in order. */
  release(): void {
    this.#held = false
    while (this.#waiters.length > 0 && this.size > 0) this.#settle(this.#waiters.shift()!, this.#take())
  }

  /**
   * Resolves with the next notification. An already-aborted signal rejects at
   * once and consumes nothing; aborting later rejects this call only.
   */
  receive(signal?: AbortSignal): Promise<N> {
    if (signal?.aborted) return Promise.reject(signal.reason)
    if (!this.#held && this.size > 0) return Promise.resolve(this.#take())
    if (this.#ended !== undefined) return Promise.reject(this.#ended)
    return new Promise<N>((resolve, reject) => {
      const waiter: Waiter<N> = { resolve, reject, signal, onAbort: undefined }
      if (signal !== undefined) {
        waiter.onAbort = () => {
          const i = this.#waiters.indexOf(waiter)
          if (i >= 0) this.#waiters.splice(i, 1)
          reject(signal.reason)
        }
        signal.addEventListener('abort', waiter.onAbort, { once: true })
      }
      this.#waiters.push(waiter)
    })
  }

  /**
   * Finishes the queue: waiting and later `receive` calls reject with
   * `error`. With `discard`, queued notifications are dropped (close);
   * without, they are still handed out first (connection lost).
   */
  end(error: Error, { discard }: { discard: boolean }): void {
    if (this.#ended !== undefined) return
    this.#ended = error
    if (discard) this.clear()
    this.#held = false
    const waiters = this.#waiters
    this.#waiters = []
    for (const w of waiters) {
      if (this.size > 0) this.#settle(w, this.#take())
      else this.#fail(w, error)
    }
  }

  /**
   * An async iterator over `receive()`: it ends when the queue is ended with
   * a `ClosedError` and throws any other ending error. `receive` replaces the
   * queue's own (to add checks); without it, a queued item is handed out
   * without waiting on a second promise.
   */
  iterator(receive?: () => Promise<N>): AsyncIterableIterator<N> {
    const done: IteratorReturnResult<undefined> = { done: true, value: undefined }
    const next = receive ?? (() => this.receive())
    const iterator: AsyncIterableIterator<N> = {
      next: () => {
        if (receive === undefined && !this.#held && this.size > 0) return Promise.resolve({ done: false, value: this.#take() })
        return next().then(
          (value) => ({ done: false, value }),
          (error: unknown) => {
            if (error instanceof ClosedError) return done
            throw error
          },
        )
      },
      return: () => Promise.resolve(done),
      [Symbol.asyncIterator]: () => iterator,
    }
    return iterator
  }

  /** Drops every queued notification and returns how many there were. */
  clear(): number {
    const dropped = this.size
    this.#items = []
    this.#head = 0
    if (this.#paused) {
      this.#paused = false
      this.#options.onLowWater?.()
    }
    return dropped
  }

  #take(): N {
    const items = this.#items
    const n = items[this.#head]!
    // Drop the reference: an array that outlived a young-generation GC sits in
    // old space, and V8 treats every young object it still points to as alive
    // (copying it) until the next full GC, even once the array is dropped.
    items[this.#head] = undefined as unknown as N
    this.#head++
    if (this.#head === this.#items.length) {
      this.#items = []
      this.#head = 0
    } else if (this.#head >= 4096 && this.#head * 2 >= this.#items.length) {
      this.#items = this.#items.slice(this.#head)
      this.#head = 0
    }
    if (this.#paused && this.#items.length - this.#head <= this.#options.lowWaterMark) {
      this.#paused = false
      this.#options.onLowWater?.()
    }
    return n
  }

  #settle(w: Waiter<N>, n: N): void {
    if (w.onAbort !== undefined) w.signal!.removeEventListener('abort', w.onAbort)
    w.resolve(n)
  }

  #fail(w: Waiter<N>, error: Error): void {
    if (w.onAbort !== undefined) w.signal!.removeEventListener('abort', w.onAbort)
    w.reject(error)
  }
}
