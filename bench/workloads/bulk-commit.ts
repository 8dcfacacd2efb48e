import type pg from 'pg'
import { deferred, fullGc, within } from '../measure.js'
import { sendInOneCommit } from '../server.js'

/** Counts a listener's deliveries and resolves when the expected number arrived. */
export class Delivery {
  #expected = 0
  #received = 0
  #last = ''
  #lastAt = 0
  #done = deferred<void>()

  /** The listener's per-notification callback. */
  readonly onNotification = (_channel: string, payload: string): void => {
    if (++this.#received === this.#expected) {
      this.#lastAt = performance.now()
      this.#last = payload
      this.#done.resolve()
    }
  }

  /** Expects `count` more deliveries; `finished` resolves with the last one's time and payload. */
  expect(count: number): { finished: () => Promise<{ at: number; payload: string }>; received: () => number } {
    this.#received = 0
    this.#expected = count
    this.#done = deferred<void>()
    const done = this.#done.promise
    return {
      received: () => this.#received,
      finished: async () => {
        await done
        return { at: this.#lastAt, payload: this.#last }
      },
    }
  }
}

/** One commit's delivery, measured. */
export interface CommitMeasure {
  /** Notifications per second, from before the statement to the last delivery. */
  readonly rate: number
  /** The process's CPU time (user + system) over the same span, per notification, in ns. */
  readonly cpuNs: number
  /** The same span in microseconds of `process.hrtime` (the clock of `--cpu-prof` samples on Linux). */
  readonly window: { readonly startUs: number; readonly endUs: number }
}

/**
 * Sends `count` notifications on `channel` in one commit from `sender` and
 * measures their delivery to the listener `delivery` counts for: wall time,
 * and the whole process's CPU time from just before the statement to the
 * last notification received. A full GC first, so the measurement pays for
 * its own garbage and not an earlier one's. Rejects when the delivery is
 * incomplete after a minute or ends on another payload than the last sent.
 *
 * ### Examples
 *
 * ```ts
 * const { cpuNs } = await measureCommit(sender, 'bench_bulk', delivery, 100_000, 'bulk on pg')
 * ```
 */
export async function measureCommit(sender: pg.Client, channel: string, delivery: Delivery, count: number, what: string): Promise<CommitMeasure> {
  const expected = delivery.expect(count)
  fullGc()
  const cpu = process.cpuUsage()
  const startUs = hrtimeUs()
  const start = performance.now()
  await sendInOneCommit(sender, [channel], count)
  const last = await within(expected.finished(), 60_000, `${what} (${expected.received()} of ${count} received)`)
  const used = process.cpuUsage(cpu)
  const endUs = hrtimeUs()
  if (last.payload !== String(count)) throw new Error(`${what}: last payload ${last.payload}, expected ${count}`)
  return { rate: count / ((last.at - start) / 1000), cpuNs: ((used.user + used.system) * 1000) / count, window: { startUs, endUs } }
}

function hrtimeUs(): number {
  return Number(process.hrtime.bigint() / 1000n)
}
