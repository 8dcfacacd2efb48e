import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { listen, open, sql, type PostgresDB } from '@liteorm/postgres'
import { useDatabase } from '@liteorm/testing/vitest'

let db: PostgresDB<unknown>
beforeAll(async () => {
  db = open(await useDatabase('backpressure'))
})
afterAll(() => db.close())

const TOTAL = 200_000
const PAYLOAD_BYTES = 500
/**
 * The bound: buffering all 200 000 notifications of 500 bytes would take
 * well over 200 MB of heap; with maxBuffered 10 000 (the default) the queue
 * holds about 6 MB, plus what one socket read parses. 64 MB leaves room for
 * garbage not yet collected while still failing an unbounded queue.
 */
const HEAP_BOUND_BYTES = 64 * 1024 * 1024

/** Live heap: collected first, so garbage not yet reclaimed does not count. */
function liveHeap(): number {
  if (global.gc === undefined) throw new Error('run with --expose-gc (vitest.config.ts sets it) to measure live heap')
  global.gc()
  return process.memoryUsage().heapUsed
}

describe('a slow consumer', () => {
  it('200 000 notifications sent while the consumer sleeps 5 s: live heap stays under 64 MB above baseline, and every one arrives in order', async () => {
    const l = await listen(db, 'flood')
    const baseline = liveHeap()
    let peak = baseline
    const sample = (): void => {
      peak = Math.max(peak, liveHeap())
    }
    const sampler = setInterval(sample, 100)
    try {
      // A DO block, so the sender gets no rows back into this process.
      await db.exec(sql.raw(`do $$ begin perform pg_notify('flood', lpad(g::text, ${PAYLOAD_BYTES}, '.')) from generate_series(1, ${TOTAL}) g; end $$`))
      await new Promise((r) => setTimeout(r, 5000)) // the consumer is busy elsewhere
      let expected = 1
      for (; expected <= TOTAL; expected++) {
        const n = await l.receive(AbortSignal.timeout(10_000))
        if (Number(n.payload.replace(/^\.+/, '')) !== expected) break
        if (expected % 5000 === 0) sample() // the drain runs without yielding to timers
      }
      expect(expected - 1, 'notifications received in order before the first gap').toBe(TOTAL)
    } finally {
      clearInterval(sampler)
      await l.close()
    }
    const growth = peak - baseline
    console.log(`slow consumer: ${TOTAL} notifications, peak heap growth ${(growth / 1048576).toFixed(1)} MB (bound ${HEAP_BOUND_BYTES / 1048576} MB)`)
    expect(growth).toBeLessThan(HEAP_BOUND_BYTES)
  }, 120_000)
})
