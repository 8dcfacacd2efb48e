import { deferred, within } from '../measure.js'
import { BOUND_NOTIFY_PEERS, NOTIFY_LIBRARIES, notifyPeer } from '../peers/all.js'
import type { BenchSenders } from '../peers/notify-peer.js'
import { rawPgPeer } from '../peers/raw-pg.js'
import { ratioTarget, type RunContext, type Workload } from './workload.js'

/** Connections sending at once. */
const SENDERS = 4

/** Counts deliveries per channel and resolves once a channel has had `expected`. */
class Counter {
  readonly #counts = new Map<string, { received: number; lastAt: number; expected: number; done: () => void }>()

  onNotification = (channel: string): void => {
    const c = this.#counts.get(channel)
    if (c === undefined) return
    c.received++
    c.lastAt = performance.now()
    if (c.received >= c.expected) c.done()
  }

  /** Starts counting `channel`; `finish(sent)` resolves with the last receipt's time once `sent` arrived. */
  track(channel: string): { finish: (sent: number) => Promise<number>; received: () => number } {
    const d = deferred<void>()
    const c = { received: 0, lastAt: 0, expected: Infinity, done: () => d.resolve() }
    this.#counts.set(channel, c)
    return {
      received: () => c.received,
      finish: async (sent) => {
        c.expected = sent
        if (c.received >= sent) c.done()
        await d.promise
        return c.lastAt
      },
    }
  }
}

/** Runs the 4 senders back to back on `channel` for `durationMs`; notifications/s as received. */
async function phase(senders: BenchSenders, counter: Counter, channel: string, durationMs: number, what: string): Promise<number> {
  // Untimed: 4 concurrent sends, so lazily connecting pools open all their connections now.
  await Promise.all(Array.from({ length: SENDERS }, (_, k) => senders.send(k, `${channel}_warm`, '')))
  const tracked = counter.track(channel)
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
  const lastAt = await within(tracked.finish(sent), 30_000, `${what} (${tracked.received()} of ${sent} received)`)
  return sent / ((lastAt - start) / 1000)
}

/**
 * Concurrent senders: 4 senders each sending autocommit notifications back
 * to back for `concurrentMs`, received by the library's own listener;
 * notifications/s = all sent ÷ (last receipt − first send). Two rows: with
 * the library's own notify as senders (liteorm: `notify(db, ...)` on a pool
 * of 4; pg: `select pg_notify($1, $2)` on a `pg.Pool` of 4; pg-listen: 4
 * subscribers' `notify`; postgres.js: `sql.notify` on `max: 4`), whose
 * target compares liteorm with the peers making its server call (pg,
 * postgres.js: a bound `pg_notify`; pg-listen's interpolated `NOTIFY` is a
 * reference) — and with the same raw pg senders for everyone, which
 * isolates the receiving side (a reported figure).
 *
 * ### Examples
 *
 * ```ts
 * const r = await concurrentWorkload.run('pg', ctx) // { concurrent: …, 'concurrent-shared': … }
 * ```
 */
export const concurrentWorkload: Workload = {
  id: 'concurrent',
  title: 'Concurrent senders',
  method:
    `${SENDERS} senders send autocommit notifications back to back; the library's own listener receives. ` +
    'Own notify: liteorm notify(db) on a pool of 4, pg select pg_notify($1, $2) on a pg.Pool of 4, postgres.js sql.notify with max 4 ' +
    '(all three the same bound pg_notify call: the target compares liteorm with the better of pg and postgres.js), ' +
    'pg-listen 4 subscribers\' notify (NOTIFY with a quoted literal, simple protocol; for reference, cheaper for the server). ' +
    'Shared senders: the same raw pg pool of 4 for every library (receiving side only; reported, no target). ' +
    'Notifications/s = all sent ÷ (last receipt − first send).',
  libraries: NOTIFY_LIBRARIES,
  rows: [
    {
      id: 'concurrent',
      title: `${SENDERS} concurrent senders, own notify`,
      unit: 'notif/s',
      better: 'higher',
      targets: [ratioTarget({ against: BOUND_NOTIFY_PEERS, better: 'higher', ratio: 'value', op: '>=', limit: 1 })],
    },
    { id: 'concurrent-shared', title: `${SENDERS} concurrent senders, same pg senders`, unit: 'notif/s', better: 'higher', targets: [] },
  ],

  async run(library, ctx: RunContext) {
    const peer = notifyPeer(library)
    const durationMs = ctx.round < 0 ? Math.round(ctx.config.concurrentMs * ctx.config.warmupFraction) : ctx.config.concurrentMs
    const own = `bench_conc_${ctx.tag}`
    const shared = `bench_concs_${ctx.tag}`
    const counter = new Counter()
    const listener = await peer.listen(ctx.url, [own, shared], counter.onNotification)
    try {
      const result: Record<string, { value: number }> = {}
      // Alternate which phase goes first from round to round.
      const phases = [
        { row: 'concurrent', channel: own, open: () => peer.senders(ctx.url, SENDERS) },
        { row: 'concurrent-shared', channel: shared, open: () => rawPgPeer.senders(ctx.url, SENDERS) },
      ]
      if (ctx.round % 2 === 1) phases.reverse()
      for (const p of phases) {
        const senders = await p.open()
        try {
          result[p.row] = { value: await phase(senders, counter, p.channel, durationMs, `${p.row} on ${library}`) }
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
