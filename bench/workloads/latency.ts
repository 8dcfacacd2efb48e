import { deferred, percentile, within } from '../measure.js'
import { NOTIFY_LIBRARIES, notifyPeer } from '../peers/all.js'
import { ratioTarget, type Workload } from './workload.js'

/**
 * Latency: one notification at a time, sent with the library's own notify
 * (one sender) and received by its own listener, timed from just before the
 * sending call to the consumer's receipt. Reports p50 and p99 over
 * `latencySamples` samples.
 *
 * ### Examples
 *
 * ```ts
 * const r = await latencyWorkload.run('liteorm', ctx) // { 'latency-p50': { value: 0.21 }, 'latency-p99': { value: 0.5 } }
 * ```
 */
export const latencyWorkload: Workload = {
  id: 'latency',
  title: 'Latency',
  method:
    "One notification at a time with the library's own notify (one sender connection) and its own listener, " +
    'from before the sending call to receipt by the consumer; p50 and p99 in ms.',
  libraries: NOTIFY_LIBRARIES,
  rows: [
    { id: 'latency-p50', title: 'latency p50', unit: 'ms', better: 'lower', targets: [] },
    {
      id: 'latency-p99',
      title: 'latency p99',
      unit: 'ms',
      better: 'lower',
      targets: [ratioTarget({ against: 'best', better: 'lower', ratio: 'value', op: '<=', limit: 1.1 })],
    },
  ],

  async run(library, ctx) {
    const peer = notifyPeer(library)
    const samples = ctx.round < 0 ? Math.round(ctx.config.latencySamples * ctx.config.warmupFraction) : ctx.config.latencySamples
    const channel = `bench_lat_${ctx.tag}`
    let waiting: { payload: string; resolve: (at: number) => void } | undefined
    const senders = await peer.senders(ctx.url, 1)
    const listener = await peer.listen(ctx.url, [channel], (_channel, payload) => {
      const at = performance.now()
      if (waiting !== undefined && waiting.payload === payload) waiting.resolve(at)
    })
    try {
      const times: number[] = []
      for (let i = 0; i < samples; i++) {
        const received = deferred<number>()
        const payload = String(i)
        waiting = { payload, resolve: received.resolve }
        const start = performance.now()
        const sending = senders.send(0, channel, payload)
        const at = await within(received.promise, 10_000, `latency sample ${i} on ${library}`)
        await sending
        times.push(at - start)
      }
      return { 'latency-p50': { value: percentile(times, 50) }, 'latency-p99': { value: percentile(times, 99) } }
    } finally {
      await listener.close()
      await senders.close()
    }
  },
}
