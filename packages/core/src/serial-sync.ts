/**
 * Brings something in line with a wanted state, one run at a time, with no
 * lock held across I/O: callers ask with {@link SerialSync.request}, and
 * each request resolves once a run that began after it has finished, so a
 * burst of requests shares one or two runs. Stops running once `stopped()`
 * says so. A run that rejects rejects every request waiting on it.
 *
 * ### Examples
 *
 * ```ts
 * const sync = new SerialSync(() => applyListenSet(), () => closed)
 * await Promise.all([sync.request(), sync.request()]) // one or two runs, never two at once
 * ```
 */
export class SerialSync {
  readonly #run: () => Promise<void>
  readonly #stopped: () => boolean
  #running: Promise<void> | undefined
  #requested = 0
  #applied = 0

  constructor(run: () => Promise<void>, stopped: () => boolean) {
    this.#run = run
    this.#stopped = stopped
  }

  /** Resolves once every change requested so far is applied. */
  request(): Promise<void> {
    this.#requested++
    this.#running ??= this.#runAll()
    return this.#running
  }

  async #runAll(): Promise<void> {
    await null // never settle synchronously: request() must store this promise first
    try {
      while (this.#applied < this.#requested && !this.#stopped()) {
        const target = this.#requested
        await this.#run()
        this.#applied = target
      }
    } finally {
      this.#running = undefined
    }
  }
}
