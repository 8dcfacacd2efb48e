/**
 * The wait before reconnect attempt `attempt` (1-based, counting failures):
 * exponential from `minMs`, capped at `maxMs`, with jitter in its upper half
 * so that many listeners do not reconnect in step.
 *
 * ### Examples
 *
 * ```ts
 * backoffDelay(1, 100, 10_000) // 50..100
 * backoffDelay(5, 100, 10_000) // 800..1600
 * ```
 */
export function backoffDelay(attempt: number, minMs: number, maxMs: number): number {
  const ceiling = Math.min(maxMs, minMs * 2 ** Math.min(attempt - 1, 30))
  return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2)
}

/**
 * Resolves after `ms`, or as soon as `signal` aborts (resolving, not
 * rejecting, so callers check the signal). The timer keeps the process
 * alive, as the connection it waits to replace did: a listener that is
 * backing off between reconnect attempts must not let its process exit
 * under a consumer awaiting `receive()`. Abort `signal` to end it early.
 *
 * ### Examples
 *
 * ```ts
 * await sleep(500, closing.signal)
 * if (closing.signal.aborted) return
 * ```
 */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve()
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    signal.addEventListener('abort', done, { once: true })
  })
}
