import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

/**
 * The median of `values`; `undefined` when there is none. Used to combine
 * the rounds of a workload.
 *
 * ### Examples
 *
 * ```ts
 * median([3, 1, 2]) // 2
 * ```
 */
export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1]! + sorted[mid]!) / 2
}

/**
 * The `p`-th percentile (0–100, nearest rank) of `values`. Throws on an
 * empty list.
 *
 * ### Examples
 *
 * ```ts
 * percentile([1, 2, 3, 4], 50) // 2
 * ```
 */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new Error('percentile of no samples')
  const sorted = [...values].sort((a, b) => a - b)
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length))
  return sorted[rank - 1]!
}

/**
 * Resolves after `ms` milliseconds.
 *
 * ### Examples
 *
 * ```ts
 * await sleep(10)
 * ```
 */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/**
 * Races `promise` against a timer: rejects with an error naming `what` after
 * `ms`. The timer never keeps the process alive.
 *
 * ### Examples
 *
 * ```ts
 * await within(done, 10_000, 'bulk delivery on pg')
 * ```
 */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no result within ${ms} ms`)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

/**
 * A promise with its `resolve` and `reject` exposed (Node 20 has no
 * `Promise.withResolvers`).
 *
 * ### Examples
 *
 * ```ts
 * const d = deferred<number>(); setTimeout(() => d.resolve(1)); await d.promise
 * ```
 */
export function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } {
  let resolve!: (v: T) => void
  let reject!: (e: unknown) => void
  const promise = new Promise<T>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}

let collect: (() => void) | undefined

/**
 * Runs a full garbage collection (enabling `gc` at run time, as the bench
 * script cannot pass `--expose-gc`), so heap figures compare live data.
 *
 * ### Examples
 *
 * ```ts
 * const before = liveHeap()
 * ```
 */
export function fullGc(): void {
  if (collect === undefined) {
    setFlagsFromString('--expose-gc')
    collect = runInNewContext('gc') as () => void
  }
  collect()
  collect()
}

/**
 * Bytes of live JavaScript heap after a full garbage collection.
 *
 * ### Examples
 *
 * ```ts
 * const delta = liveHeap() - before
 * ```
 */
export function liveHeap(): number {
  fullGc()
  return process.memoryUsage().heapUsed
}

/** How a run of a repeated operation went. */
export interface OpsResult {
  readonly ops: number
  readonly elapsedMs: number
  readonly opsPerSecond: number
}

/**
 * Runs `op` from `concurrency` workers until `durationMs` has passed and
 * reports operations per second. `op` may be synchronous (raw
 * better-sqlite3): its result is awaited only when it is a promise, so a
 * synchronous driver runs in a tight loop as its users would write it.
 *
 * ### Examples
 *
 * ```ts
 * const { opsPerSecond } = await runOps((i) => pool.query('select $1::int', [i]), { concurrency: 8, durationMs: 1000 })
 * ```
 */
export async function runOps(
  op: (i: number) => unknown,
  { concurrency, durationMs }: { concurrency: number; durationMs: number },
): Promise<OpsResult> {
  let next = 0
  const start = performance.now()
  const end = start + durationMs
  const worker = async (): Promise<void> => {
    while (performance.now() < end) {
      // Check the clock every 32 operations: cheap even for a synchronous op.
      for (let k = 0; k < 32; k++) {
        const r = op(next++)
        if (r instanceof Promise) await r
      }
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  const elapsedMs = performance.now() - start
  return { ops: next, elapsedMs, opsPerSecond: (next / elapsedMs) * 1000 }
}
