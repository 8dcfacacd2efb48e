import { deferred, percentile, within } from '../measure.js'
import { NOTIFY_LIBRARIES, notifyPeer } from '../peers/all.js'
import type { BenchSenders } from '../peers/notify-peer.js'
import { rawPgPeer } from '../peers/raw-pg.js'
import { ratioTarget, type RowSpec, type Workload } from './workload.js'

/** Waits for one expected delivery. */
class Waiter {
  #waiting: { channel: string; payload: string; resolve: (at: number) => void } | undefined

  onNotification = (channel: string, payload: string): void => {
    const at = performance.now()
    const w = this.#waiting
    if (w !== undefined && w.payload === payload && w.channel === channel) {
      this.#waiting = undefined
      w.resolve(at)
    }
  }

  expect(channel: string, payload: string): Promise<number> {
    const d = deferred<number>()
    this.#waiting = { channel, payload, resolve: d.resolve }
    return d.promise
  }
}

/** `samples` one-at-a-time round trips from `senders` to the listener; times in ms. */
async function sample(senders: BenchSenders, waiter: Waiter, channel: string, samples: number, what: string): Promise<number[]> {
  const times: number[] = []
  for (let i = 0; i < samples; i++) {
    const payload = String(i)
    const received = waiter.expect(channel, payload)
    const start = performance.now()
    const sending = senders.send(0, channel, payload)
    const at = await within(received, 10_000, `${what}: sample ${i}`)
    await sending
    times.push(at - start)
  }
  return times
}

/** Untimed sends before each phase: lazily connecting libraries connect here, not in the first sample. */
const WARM_SENDS = 20

const p99Target = [ratioTarget({ against: 'best', better: 'lower', ratio: 'value', op: '<=', limit: 1.1 })]

const ROWS: readonly RowSpec[] = [
  { id: 'latency-p50', title: 'latency p50, own notify', unit: 'ms', better: 'lower', targets: [] },
  { id: 'latency-p99', title: 'latency p99, own notify', unit: 'ms', better: 'lower', targets: p99Target },
  { id: 'latency-shared-p50', title: 'latency p50, same pg sender', unit: 'ms', better: 'lower', targets: [] },
  { id: 'latency-shared-p99', title: 'latency p99, same pg sender', unit: 'ms', better: 'lower', targets: p99Target },
]

/**
 * Latency: one notification at a time, timed from just before the sending
 * call to the consumer's receipt; p50 and p99 over `latencySamples`
 * samples. Measured twice per run: with the library's own notify (one
 * sender) and with the same raw pg client for everyone (receiving side only).
 *
 * ### Examples
 *
 * ```ts
 * const r = await latencyWorkload.run('liteorm', ctx) // { 'latency-p50': { value: 0.21 }, 'latency-p99': …, … }
 * ```
 */
export const latencyWorkload: Workload = {
  id: 'latency',
  title: 'Latency',
  method:
    'One notification at a time, from before the sending call to receipt by the consumer; p50 and p99 in ms. ' +
    "Own notify: the library's notify on one sender connection (liteorm notify(db) on a pool of 1, pg select pg_notify($1, $2), " +
    'pg-listen subscriber.notify, postgres.js sql.notify). Same pg sender: one raw pg client for every library.',
  libraries: NOTIFY_LIBRARIES,
  rows: ROWS,

  async run(library, ctx) {
    const peer = notifyPeer(library)
    // The warm-up needs enough calls for the JIT to optimize each library's path; 1 000 at least.
    const samples = ctx.round < 0 ? Math.max(1000, Math.round(ctx.config.latencySamples * ctx.config.warmupFraction)) : ctx.config.latencySamples
    const own = `bench_lat_${ctx.tag}`
    const shared = `bench_lats_${ctx.tag}`
    const waiter = new Waiter()
    const listener = await peer.listen(ctx.url, [own, shared], waiter.onNotification)
    try {
      const result: Record<string, { value: number }> = {}
      const phases = [
        { prefix: 'latency', channel: own, open: () => peer.senders(ctx.url, 1) },
        { prefix: 'latency-shared', channel: shared, open: () => rawPgPeer.senders(ctx.url, 1) },
      ]
      if (ctx.round % 2 === 1) phases.reverse()
      for (const p of phases) {
        const senders = await p.open()
        try {
          await sample(senders, waiter, p.channel, WARM_SENDS, `${p.prefix} on ${library}: connecting`)
          const times = await sample(senders, waiter, p.channel, samples, `${p.prefix} on ${library}`)
          result[`${p.prefix}-p50`] = { value: percentile(times, 50) }
          result[`${p.prefix}-p99`] = { value: percentile(times, 99) }
        } finally {
          await senders.close()
        }
      }
      return result
    } finally {
      await listener.close()
    }
  },
}
