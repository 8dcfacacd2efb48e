/**
 * Settles like `promise`, or rejects with `onTimeout()` after `ms`, or with
 * `onAbort()` when `signal` (if given) aborts, whichever comes first. `promise` itself
 * is not cancelled: the caller cleans up what it may still produce.
 *
 * ### Examples
 *
 * ```ts
 * await withDeadline(client.query('select 1'), 1000, closing.signal,
 *   () => new ConnectionError('no answer within 1000 ms'), () => new ClosedError('closed'))
 * ```
 */
export function withDeadline<T>(
  promise: Promise<T>,
  ms: number,
  signal: AbortSignal | undefined,
  onTimeout: () => Error,
  onAbort: () => Error,
): Promise<T> {
  if (signal?.aborted) return Promise.reject(onAbort())
  return new Promise<T>((resolve, reject) => {
    const finish = (): void => {
      clearTimeout(timer)
      signal?.removeEventListener('abort', aborted)
    }
    const aborted = (): void => {
      finish()
      reject(onAbort())
    }
    const timer = setTimeout(() => {
      finish()
      reject(onTimeout())
    }, ms)
    timer.unref()
    signal?.addEventListener('abort', aborted, { once: true })
    promise.then(
      (value) => {
        finish()
        resolve(value)
      },
      (error: unknown) => {
        finish()
        reject(error)
      },
    )
  })
}
