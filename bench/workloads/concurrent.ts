import { deferred, within } from '../measure.js'
import { NOTIFY_LIBRARIES, notifyPeer } from '../peers/all.js'
import { ratioTarget, type Workload } from './workload.js'

/** Connections sending at once. */
const SENDERS = 4

/**
 * Concurrent senders: 4 senders in the library's own idiom (liteorm:
 * `notify(db, ...)` on a pool of 4; pg: 4 clients; pg-listen: 4
 * subscribers' `notify`; postgres.js: `sql.notify` on `max: 4`), each
 * sending autocommit notifications back to back for `concurrentMs`, and the
 * library's own listener receiving. Reports notifications/s: everything
 * sent over the time from the first send to the last receipt.
 *
 * ### Examples
 *
 * ```ts
 * const { concurrent } = await concurrentWorkload.run('pg', ctx)
 * ```
 */
export const concurrentWorkload: Workload = {
  id: 'concurrent',
  title: 'Concurrent senders',
  method:
    `${SENDERS} senders in each library's own idiom (liteorm notify(db) on a pool of 4, pg clients, pg-listen subscriber.notify, ` +
    'postgres.js sql.notify with max 4) send autocommit notifications back to back; the same library listens. ' +
    'Notifications/s = all sent ÷ (last receipt − first send).',
  libraries: NOTIFY_LIBRARIES,
  rows: [
    {
      id: 'concurrent',
      title: `${SENDERS} concurrent senders (own notify)`,
      unit: 'notif/s',
      better: 'higher',
      targets: [ratioTarget({ against: 'best', better: 'higher', ratio: 'value', op: '>=', limit: 1 })],
    },
  ],

  async run(library, ctx) {
    const peer = notifyPeer(library)
    const durationMs = ctx.round < 0 ? Math.round(ctx.config.concurrentMs * ctx.config.warmupFraction) : ctx.config.concurrentMs
    const channel = `bench_conc_${ctx.tag}`
    let received = 0
    let lastAt = 0
    let expected = Infinity
    const done = deferred<void>()
    const senders = await peer.senders(ctx.url, SENDERS)
    const listener = await peer.listen(ctx.url, [channel], () => {
      received++
      lastAt = performance.now()
      if (received >= expected) done.resolve()
    })
    try {
      let sent = 0
      const start = performance.now()
      const end = start + durationMs
      await Promise.all(
        Array.from({ length: SENDERS }, async (_, k) => {
          for (let i = 0; performance.now() < end; i++) {
            await senders.send(k, channel, `${k}:${i}`)
            sent++
          }
        }),
      )
      expected = sent
      if (received >= expected) done.resolve()
      await within(done.promise, 30_000, `concurrent senders on ${library} (${received} of ${sent} received)`)
      return { concurrent: { value: sent / ((lastAt - start) / 1000) } }
    } finally {
      await listener.close()
      await senders.close()
    }
  },
}
