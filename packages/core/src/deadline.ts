/**
 * Settles like `promise`, or rejects with `signal.reason` as soon as
 * `signal` aborts, whichever comes first. `promise` itself is not cancelled
 * (its later rejection is observed, never left unhandled): the caller
 * releases what it may still produce.
 *
 * ### Examples
 *
 * ```ts
 * const client = await abortable(pool.connect(), attempt.signal)
 * ```
 */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(ignore)
    return Promise.reject(signal.reason)
  }
  return new Promise<T>((resolve, reject) => {
    const aborted = (): void => reject(signal.reason)
    signal.addEventListener('abort', aborted, { once: true })
    promise.then(
      (value) => {
        signal.removeEventListener('abort', aborted)
        resolve(value)
      },
      (error: unknown) => {
        signal.removeEventListener('abort', aborted)
        reject(error)
      },
    )
  })
}

/**
 * An `AbortSignal` for one bounded step: it aborts with `onTimeout()` after
 * `ms`, with `parent`'s reason when `parent` aborts, or with the reason
 * given to {@link Deadline.abort}. Call `clear()` when the step is over; the
 * timer never keeps the process alive. Never fails.
 *
 * ### Examples
 *
 * ```ts
 * const step = new Deadline(1000, closing.signal, () => new ConnectionError('no answer within 1000 ms'))
 * try { await abortable(link.probe(), step.signal) } finally { step.clear() }
 * ```
 */
export class Deadline {
  readonly #controller = new AbortController()
  readonly #parent: AbortSignal
  readonly #timer: NodeJS.Timeout
  readonly #onParentAbort = (): void => this.abort(this.#parent.reason)

  constructor(ms: number, parent: AbortSignal, onTimeout: () => Error) {
    this.#parent = parent
    this.#timer = setTimeout(() => this.abort(onTimeout()), ms)
    this.#timer.unref()
    if (parent.aborted) this.abort(parent.reason)
    else parent.addEventListener('abort', this.#onParentAbort, { once: true })
  }

  /** Aborts when the step is over its time, its parent aborted, or {@link Deadline.abort} was called. */
  get signal(): AbortSignal {
    return this.#controller.signal
  }

  /** Ends the step early with `reason` (a no-op once aborted). */
  abort(reason: unknown): void {
    this.clear()
    this.#controller.abort(reason)
  }

  /** Stops the timer and stops following the parent. */
  clear(): void {
    clearTimeout(this.#timer)
    this.#parent.removeEventListener('abort', this.#onParentAbort)
  }
}

function ignore(): void {}
