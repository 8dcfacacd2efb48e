import type pg from 'pg'
import { deferred, median, sleep, within } from '../measure.js'
import { NOTIFY_LIBRARIES, notifyPeer } from '../peers/all.js'
import { adminClient, terminateBackends } from '../server.js'
import { ratioTarget, type RowCells, type Target, type Workload } from './workload.js'

/** How long a library may take to deliver again after the kill before it counts as dead. */
const GIVE_UP_MS = 6000
/** How long the re-sync hook of the in-band probe takes. */
const PROBE_RESYNC_MS = 100

/** One kill and what followed. */
interface KillOutcome {
  /** From the kill being issued to the first delivery on the new connection; undefined if none came. */
  readonly gapMs: number | undefined
  /** Whether the library signalled something between the kill and that delivery. */
  readonly signalled: boolean
  /** Notifications in the hole: sent around and after the kill, never delivered. */
  readonly lost: number
  readonly firstAt: number | undefined
}

/** A delivery after a hole in the sequence: the first one on a new connection. */
interface Resumed {
  readonly at: number
  readonly lost: number
}

/**
 * The state shared by the listener's callbacks and the measuring code.
 * Payloads are sequence numbers sent every millisecond; a connection
 * delivers them in order without holes, so after a kill the first delivery
 * that follows a hole is the first one on the new connection.
 */
class Timeline {
  readonly received: number[] = []
  readonly signals: { what: string; at: number }[] = []
  #last = -1
  #watch: { after: number; resolve: (r: Resumed) => void } | undefined
  #steady: { count: number; resolve: () => void } | undefined

  onNotification = (_channel: string, payload: string): void => {
    const at = performance.now()
    const seq = Number(payload)
    this.received.push(at)
    const hole = this.#last >= 0 ? seq - this.#last - 1 : 0
    this.#last = seq
    const w = this.#watch
    if (w !== undefined && hole > 0 && at >= w.after) {
      this.#watch = undefined
      w.resolve({ at, lost: hole })
    }
    if (this.#steady !== undefined && --this.#steady.count <= 0) {
      this.#steady.resolve()
      this.#steady = undefined
    }
  }

  onSignal = (what: string): void => {
    this.signals.push({ what, at: performance.now() })
  }

  /** Resolves after `count` more deliveries. */
  steady(count: number): Promise<void> {
    const d = deferred<void>()
    this.#steady = { count, resolve: d.resolve }
    return d.promise
  }

  /** Resolves with the first delivery after `after` that follows a hole in the sequence. */
  resumedAfter(after: number): Promise<Resumed> {
    const d = deferred<Resumed>()
    this.#watch = { after, resolve: d.resolve }
    return d.promise
  }
}

/**
 * Reconnect gap: while one raw `pg` client sends a notification every
 * millisecond, the listener's backend is terminated (`pg_terminate_backend`
 * by application_name). Reports the time from the kill being issued to the
 * first delivery on the new connection (the first after a hole in the
 * sequence), and whether the library told the consumer in-band: it
 * signalled between the kill and that delivery, and it held delivery until
 * the consumer's re-sync hook (100 ms in a second kill, round 0) finished.
 * Reconnect options at each library's defaults.
 *
 * ### Examples
 *
 * ```ts
 * const r = await reconnectWorkload.run('postgres.js', ctx) // { 'reconnect-gap': { value: 14.2 }, 'gap-signal': { text: 'signal, not held' } }
 * ```
 */
export const reconnectWorkload: Workload = {
  id: 'reconnect',
  title: 'Reconnect gap',
  method:
    'A raw pg client sends one notification every 1 ms (payload = sequence number); the listener backend is terminated ' +
    '(pg_terminate_backend by application_name), several times per run (median per run). Gap = from issuing the kill to the first delivery on the new connection ' +
    '(the first delivery after a hole in the sequence); "lost" = the size of that hole. ' +
    '"In-band" = the library signalled the consumer between the kill and that delivery AND waited for the consumer\'s ' +
    're-sync hook (100 ms, second kill in round 0) before delivering again. Library defaults for reconnect.',
  libraries: NOTIFY_LIBRARIES,
  rows: [
    {
      id: 'reconnect-gap',
      title: 'reconnect gap after backend kill',
      unit: 'ms',
      better: 'lower',
      targets: [ratioTarget({ against: 'best', better: 'lower', ratio: 'value', op: '<=', limit: 1 })],
    },
    { id: 'gap-signal', title: 'gap reported in-band', unit: '', better: 'higher', targets: [aloneInBand()] },
  ],

  async run(library, ctx) {
    const peer = notifyPeer(library)
    const app = `bench_rc_${ctx.tag}`.slice(0, 63)
    const channel = `bench_rc_${ctx.tag}`
    const timeline = new Timeline()
    let resync: () => Promise<void> = async () => {}
    const listener = await peer.listen(ctx.url, [channel], timeline.onNotification, {
      appName: app,
      onSignal: timeline.onSignal,
      onResync: () => resync(),
    })
    const admin = await adminClient(ctx.url)
    const sender = await adminClient(ctx.url, 'bench-rc-sender')
    let seq = 0
    let sending = false
    const ticker = setInterval(() => {
      if (sending) return // one statement at a time; a tick is skipped if the last one is still running
      sending = true
      sender.query('select pg_notify($1, $2)', [channel, String(seq++)]).then(
        () => void (sending = false),
        () => void (sending = false),
      )
    }, 1)
    try {
      const kills = ctx.round < 0 ? 1 : ctx.config.reconnectKills
      const outcomes: KillOutcome[] = []
      for (let k = 0; k < kills; k++) {
        await within(timeline.steady(20), 5000, `reconnect on ${library}: steady delivery`)
        const outcome = await killOnce(admin, app, timeline, library)
        outcomes.push(outcome)
        if (outcome.gapMs === undefined) break // the listener is dead for good
      }
      const gaps = outcomes.flatMap((o) => (o.gapMs === undefined ? [] : [o.gapMs]))
      const first = outcomes[0]!
      if (gaps.length < outcomes.length) {
        return { 'reconnect-gap': { text: `none in ${GIVE_UP_MS / 1000} s` }, 'gap-signal': { text: 'no: client dies' } }
      }
      const lost = median(outcomes.map((o) => o.lost))!
      const gap = { value: median(gaps)!, text: `${lost} lost` }
      if (ctx.round !== 0) return { 'reconnect-gap': gap }
      const held = await probeHold(admin, app, timeline, library, (fn) => (resync = fn))
      return { 'reconnect-gap': gap, 'gap-signal': { text: inBandText(first, held) } }
    } finally {
      clearInterval(ticker)
      await listener.close()
      await sender.end()
      await admin.end()
    }
  },
}

async function killOnce(admin: pg.Client, app: string, timeline: Timeline, library: string): Promise<KillOutcome> {
  const killAt = performance.now()
  const resumed = timeline.resumedAfter(killAt)
  const killed = await terminateBackends(admin, app)
  if (killed !== 1) throw new Error(`reconnect on ${library}: expected 1 backend named ${app}, terminated ${killed}`)
  let first: Resumed
  try {
    first = await within(resumed, GIVE_UP_MS, 'first delivery after the kill')
  } catch {
    return { gapMs: undefined, signalled: timeline.signals.some((s) => s.at >= killAt), lost: 0, firstAt: undefined }
  }
  const signalled = timeline.signals.some((s) => s.at >= killAt && s.at <= first.at)
  return { gapMs: first.at - killAt, signalled, lost: first.lost, firstAt: first.at }
}

/**
 * Kills the backend again with a re-sync hook that takes 100 ms, and tells
 * whether no notification was delivered while it ran (`undefined` when the
 * library never called it).
 */
async function probeHold(
  admin: pg.Client,
  app: string,
  timeline: Timeline,
  library: string,
  setResync: (fn: () => Promise<void>) => void,
): Promise<boolean | undefined> {
  await within(timeline.steady(20), 5000, `reconnect on ${library}: steady delivery`)
  const hook: { start?: number; end?: number } = {}
  setResync(async () => {
    hook.start = performance.now()
    await sleep(PROBE_RESYNC_MS)
    hook.end = performance.now()
  })
  const outcome = await killOnce(admin, app, timeline, library)
  if (outcome.firstAt === undefined || hook.start === undefined) return undefined
  await sleep(PROBE_RESYNC_MS + 20)
  const { start, end = Infinity } = hook
  return !timeline.received.some((at) => at > start && at < end)
}

function inBandText(first: KillOutcome, held: boolean | undefined): string {
  if (!first.signalled) return 'no signal'
  if (held === undefined) return 'signal, no re-sync hook'
  return held ? 'yes: signal + held for re-sync' : 'signal, not held'
}

function aloneInBand(): Target {
  return {
    label: 'liteorm alone in-band',
    evaluate(cells: RowCells) {
      const mine = cells.liteorm?.text
      if (mine === undefined) return undefined
      const others = Object.entries(cells).filter(([name, c]) => name !== 'liteorm' && c?.text?.startsWith('yes'))
      const pass = mine.startsWith('yes') && others.length === 0
      return { pass, detail: pass ? 'only liteorm in-band' : `liteorm: ${mine}; in-band peers: ${others.map(([n]) => n).join(', ') || 'none'}` }
    },
  }
}
