import { deferred, median, within } from '../measure.js'
import { NOTIFY_LIBRARIES, notifyPeer } from '../peers/all.js'
import { adminClient, sendInOneCommit } from '../server.js'
import { ratioTarget, type Workload } from './workload.js'

/**
 * Bulk delivery: `bulkCount` notifications sent in one commit by the same
 * raw `pg` sender for every library, timed from just before the statement
 * is sent to the last notification received by the library's consumer;
 * `bulkRepeats` times per run on the same listener, reporting the median.
 *
 * ### Examples
 *
 * ```ts
 * const { bulk } = await bulkWorkload.run('liteorm', ctx) // { value: 612_000 } notifications/s
 * ```
 */
export const bulkWorkload: Workload = {
  id: 'bulk',
  title: 'Bulk delivery',
  method:
    'N notifications in one commit (`select count(pg_notify($1, g::text)) from generate_series(1, $2) g`, one raw pg sender shared by all), ' +
    'timed from before the statement to the last notification received; notifications/s; the median of several commits per run.',
  libraries: NOTIFY_LIBRARIES,
  rows: [
    {
      id: 'bulk',
      title: 'bulk delivery (one commit)',
      unit: 'notif/s',
      better: 'higher',
      targets: [ratioTarget({ against: 'best', better: 'higher', ratio: 'value', op: '>=', limit: 1 })],
    },
  ],

  async run(library, ctx) {
    const peer = notifyPeer(library)
    // The warm-up is a full-size run too: it is short, and the JIT needs it to settle every library's delivery path.
    const count = ctx.config.bulkCount
    const channel = `bench_bulk_${ctx.tag}`
    const sender = await adminClient(ctx.url)
    let received = 0
    let lastPayload = ''
    let lastAt = 0
    let done = deferred<void>()
    const listener = await peer.listen(ctx.url, [channel], (_channel, payload) => {
      if (++received === count) {
        lastAt = performance.now()
        lastPayload = payload
        done.resolve()
      }
    })
    try {
      const rates: number[] = []
      for (let r = 0; r < ctx.config.bulkRepeats; r++) {
        received = 0
        done = deferred<void>()
        const start = performance.now()
        await sendInOneCommit(sender, [channel], count)
        await within(done.promise, 60_000, `bulk delivery on ${library} (${received} of ${count} received)`)
        if (lastPayload !== String(count)) throw new Error(`bulk delivery on ${library}: last payload ${lastPayload}, expected ${count}`)
        rates.push(count / ((lastAt - start) / 1000))
      }
      return { bulk: { value: median(rates)! } }
    } finally {
      await listener.close()
      await sender.end()
    }
  },
}
