import { deferred, percentile, within } from '../measure.js'
import { BOUND_NOTIFY_PEERS, NOTIFY_LIBRARIES, notifyPeer } from '../peers/all.js'
import type { BenchListener, BenchSenders } from '../peers/notify-peer.js'
import { rawPgPeer } from '../peers/raw-pg.js'
import { LIBRARIES, ratioTarget, type LibraryName, type RowSpec, type RunResult, type Workload } from './workload.js'

/** Untimed sends per library and sender before timing: lazily connecting libraries connect here. */
const WARM_SENDS = 20

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

/** One library's listener, its own sender and its samples. */
interface Subject {
  readonly library: LibraryName
  readonly waiter: Waiter
  readonly listener: BenchListener
  readonly own: { readonly channel: string; readonly senders: BenchSenders; readonly times: number[] }
  /** The raw pg sender, the same kind for every library (on the library's database). */
  readonly shared: { readonly channel: string; readonly senders: BenchSenders; readonly times: number[] }
}

/** One round trip: from just before the sending call to the consumer's receipt, in ms. */
async function once(senders: BenchSenders, waiter: Waiter, channel: string, payload: string, what: string): Promise<number> {
  const received = waiter.expect(channel, payload)
  const start = performance.now()
  const sending = senders.send(0, channel, payload)
  const at = await within(received, 10_000, what)
  await sending
  return at - start
}

/** Own notify: liteorm against the peers making its server call (a bound pg_notify); pg-listen's NOTIFY is a reference. */
const p99Target = [ratioTarget({ against: BOUND_NOTIFY_PEERS, better: 'lower', ratio: 'value', op: '<=', limit: 1.1 })]

const ROWS: readonly RowSpec[] = [
  { id: 'latency-p50', title: 'latency p50, own notify', unit: 'ms', better: 'lower', targets: [] },
  { id: 'latency-p99', title: 'latency p99, own notify', unit: 'ms', better: 'lower', targets: p99Target },
  { id: 'latency-shared-p50', title: 'latency p50, same pg sender', unit: 'ms', better: 'lower', targets: [] },
  { id: 'latency-shared-p99', title: 'latency p99, same pg sender', unit: 'ms', better: 'lower', targets: [] },
]

/**
 * Latency: one notification at a time, timed from just before the sending
 * call to the consumer's receipt; p50 and p99 over `latencySamples` samples
 * per library. Two senders per library: its own notify (one connection),
 * whose p99 target compares liteorm with the peers making its server call,
 * and a raw pg pool of 1, the same for all (receiving side only; reported
 * figures). Every
 * library's listener is open at once, each on its own database, and the
 * samples are interleaved —
 * library by library, own then shared, the order rotating — so a noisy
 * moment on the machine hits every library alike.
 *
 * ### Examples
 *
 * ```ts
 * const r = await latencyWorkload.runAll!(['liteorm', 'pg'], ctx) // { liteorm: { 'latency-p50': …, … }, pg: … }
 * ```
 */
export const latencyWorkload: Workload = {
  id: 'latency',
  title: 'Latency',
  method:
    'One notification at a time, from before the sending call to receipt by the consumer; p50 and p99 in ms. ' +
    "Own notify: the library's notify on one sender connection (liteorm notify(db) on a pool of 1, pg select pg_notify($1, $2) on a pg.Pool of 1, " +
    'postgres.js sql.notify with max 1 — the same bound pg_notify call, the p99 target compares liteorm with the better of pg and postgres.js — ' +
    'and pg-listen subscriber.notify, an interpolated NOTIFY, for reference). Same pg sender: one raw pg pool of 1 for every library (reported, no target). ' +
    'All listeners are open at once, each library on its own database (PostgreSQL wakes every listening backend of a database ' +
    'on each NOTIFY), and samples are interleaved library by library, so machine noise is shared.',
  libraries: NOTIFY_LIBRARIES,
  rows: ROWS,

  async runAll(libraries, ctx) {
    // The warm-up needs enough calls for the JIT to optimize each library's path: 1 000 at least.
    const samples = ctx.round < 0 ? Math.max(1000, Math.round(ctx.config.latencySamples * ctx.config.warmupFraction)) : ctx.config.latencySamples
    const subjects: Subject[] = []
    try {
      for (const library of libraries) {
        // Each library on its own database: PostgreSQL wakes every listener of a database on each NOTIFY.
        const url = ctx.databases[LIBRARIES.indexOf(library)] ?? ctx.url
        const waiter = new Waiter()
        const own = `bench_lat_${ctx.tag}`
        const sharedChannel = `bench_lats_${ctx.tag}`
        const listener = await notifyPeer(library).listen(url, [own, sharedChannel], waiter.onNotification)
        const close = async (): Promise<void> => void (await listener.close())
        const senders = await notifyPeer(library).senders(url, 1).catch(async (error: unknown) => {
          await close()
          throw error
        })
        const shared = await rawPgPeer.senders(url, 1).catch(async (error: unknown) => {
          await close()
          await senders.close()
          throw error
        })
        subjects.push({ library, waiter, listener, own: { channel: own, senders, times: [] }, shared: { channel: sharedChannel, senders: shared, times: [] } })
      }
      for (const s of subjects) {
        for (let k = 0; k < WARM_SENDS; k++) {
          await once(s.own.senders, s.waiter, s.own.channel, `w${k}`, `latency on ${s.library}: connecting`)
          await once(s.shared.senders, s.waiter, s.shared.channel, `w${k}`, `latency on ${s.library}: connecting`)
        }
      }
      for (let i = 0; i < samples; i++) {
        for (let j = 0; j < subjects.length; j++) {
          const s = subjects[(i + j) % subjects.length]!
          const payload = String(i)
          const what = `latency on ${s.library}: sample ${i}`
          if (i % 2 === 0) {
            s.own.times.push(await once(s.own.senders, s.waiter, s.own.channel, payload, what))
            s.shared.times.push(await once(s.shared.senders, s.waiter, s.shared.channel, payload, what))
          } else {
            s.shared.times.push(await once(s.shared.senders, s.waiter, s.shared.channel, payload, what))
            s.own.times.push(await once(s.own.senders, s.waiter, s.own.channel, payload, what))
          }
        }
      }
      const results: Partial<Record<LibraryName, RunResult>> = {}
      for (const s of subjects) {
        results[s.library] = {
          'latency-p50': { value: percentile(s.own.times, 50) },
          'latency-p99': { value: percentile(s.own.times, 99) },
          'latency-shared-p50': { value: percentile(s.shared.times, 50) },
          'latency-shared-p99': { value: percentile(s.shared.times, 99) },
        }
      }
      return results
    } finally {
      for (const s of subjects) {
        await s.listener.close()
        await s.own.senders.close()
        await s.shared.senders.close()
      }
    }
  },
}
