import { getHeapStatistics } from 'node:v8'
import { deferred, liveHeap, within } from '../measure.js'
import { NOTIFY_LIBRARIES, notifyPeer } from '../peers/all.js'
import { adminClient, sendInOneCommit } from '../server.js'
import type { Workload } from './workload.js'

const MB = 1024 * 1024

/**
 * Many channels: one listener on `manyChannels` channels, then
 * `manyChannelsCount` notifications spread round-robin over them in one
 * commit (same raw pg sender for all). Reports the time to LISTEN on all
 * channels, the delivery throughput, the live heap the listener holds
 * after delivery (live heap after a full GC with it open, minus after it is
 * closed), and the heap growth peak sampled during delivery.
 *
 * ### Examples
 *
 * ```ts
 * const r = await manyChannelsWorkload.run('liteorm', ctx) // { 'many-throughput': …, 'many-heap': …, 'many-setup': … }
 * ```
 */
export const manyChannelsWorkload: Workload = {
  id: 'many-channels',
  title: 'Many channels',
  method:
    'One listener on 1 000 channels (each library subscribes its own way: liteorm listen(db, channels), raw pg one multi-statement LISTEN, ' +
    'pg-listen listenTo per channel, postgres.js sql.listen per channel); N notifications spread round-robin in one commit. ' +
    'Throughput as in bulk; retained heap = live heap (full GC) with the listener open after delivery minus after closing it; ' +
    'peak = largest heap growth sampled every 1 000 deliveries (no GC, indicative).',
  libraries: NOTIFY_LIBRARIES,
  rows: [
    { id: 'many-setup', title: '1 000 channels: LISTEN setup', unit: 'ms', better: 'lower', targets: [] },
    { id: 'many-throughput', title: '1 000 channels: delivery', unit: 'notif/s', better: 'higher', targets: [] },
    { id: 'many-heap', title: '1 000 channels: retained heap', unit: 'MB', better: 'lower', targets: [], ratios: false },
    { id: 'many-peak', title: '1 000 channels: heap growth peak', unit: 'MB', better: 'lower', targets: [], ratios: false },
  ],

  async run(library, ctx) {
    const peer = notifyPeer(library)
    const { manyChannels } = ctx.config
    const count = ctx.config.manyChannelsCount // the warm-up runs full size too, as in bulk
    const channels = Array.from({ length: manyChannels }, (_, i) => `bench_mc_${ctx.tag}_${i}`)
    const sender = await adminClient(ctx.url)
    let received = 0
    let lastAt = 0
    let peak = 0
    const done = deferred<void>()
    const before = liveHeap()
    const setupStart = performance.now()
    const listener = await peer.listen(ctx.url, channels, () => {
      if (++received % 1000 === 0) peak = Math.max(peak, getHeapStatistics().used_heap_size - before)
      if (received === count) {
        lastAt = performance.now()
        done.resolve()
      }
    })
    let closed = false
    try {
      const setupMs = performance.now() - setupStart
      const start = performance.now()
      await sendInOneCommit(sender, channels, count)
      await within(done.promise, 60_000, `many channels on ${library} (${received} of ${count} received)`)
      const open = liveHeap()
      closed = true
      await listener.close()
      const retained = open - liveHeap()
      return {
        'many-setup': { value: setupMs },
        'many-throughput': { value: count / ((lastAt - start) / 1000) },
        'many-heap': { value: retained / MB },
        'many-peak': { value: peak / MB },
      }
    } finally {
      if (!closed) await listener.close()
      await sender.end()
    }
  },
}
