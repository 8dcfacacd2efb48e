import type pg from 'pg'
import { deferred, median, sleep, within } from '../measure.js'
import { NOTIFY_LIBRARIES, notifyPeer } from '../peers/all.js'
import { adminClient, terminateBackends } from '../server.js'
import type { BenchListener } from '../peers/notify-peer.js'
import { LIBRARIES, ratioTarget, type LibraryName, type RowCells, type RunResult, type Target, type Workload } from './workload.js'

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
 * Payloads are the library's own sequence numbers, one sent every
 * millisecond; a connection delivers them in order without holes, so after
 * a kill the first delivery that follows a hole is the first one on the new
 * connection.
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
 * Reconnect gap: every library listens at once, each on its own database,
 * where a raw `pg` client notifies its channel every millisecond, numbering
 * its sends in a sequence of its own; each listener's
 * backend in turn is terminated (`pg_terminate_backend` by
 * application_name), `reconnectKills` times per round. Reports the time from the kill being issued to the
 * first delivery on the new connection (the first after a hole in the
 * sequence), and whether the library told the consumer in-band: it
 * signalled between the kill and that delivery, and it held delivery until
 * the consumer's re-sync hook (100 ms in a second kill, round 0) finished.
 * Reconnect options at each library's defaults.
 *
 * ### Examples
 *
 * ```ts
 * const r = await reconnectWorkload.runAll!(['liteorm', 'pg-listen'], ctx) // { liteorm: { 'reconnect-gap': { value: 9.8 }, … }, … }
 * ```
 */
export const reconnectWorkload: Workload = {
  id: 'reconnect',
  title: 'Reconnect gap',
  method:
    'All listeners are open at once, each library on its own database, where a raw pg client notifies its channel every 1 ms ' +
    '(payload = that library\'s own sequence number; a tick the sender is still busy for is skipped without using a number, so a hole means a loss). ' +
    'Each listener backend in turn is terminated (pg_terminate_backend by application_name), several times per run (median per run). Gap = from issuing the kill to the first delivery on the new connection ' +
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

  async runAll(libraries, ctx) {
    const admin = await adminClient(ctx.url)
    const subjects: Subject[] = []
    let ticker: NodeJS.Timeout | undefined
    try {
      for (const [i, library] of libraries.entries()) {
        // Each library on its own database: PostgreSQL wakes every listener of a database on each NOTIFY.
        const url = ctx.databases[LIBRARIES.indexOf(library)] ?? ctx.url
        const timeline = new Timeline()
        const subject: Subject = {
          library,
          timeline,
          app: `bench_rc_${i}_${ctx.tag}`.slice(0, 63),
          channel: `bench_rc_${ctx.tag}`,
          resync: async () => {},
          outcomes: [],
          listener: undefined,
          sender: await adminClient(url, 'bench-rc-sender'),
          sending: false,
          sent: 0,
        }
        subjects.push(subject)
        subject.listener = await notifyPeer(library).listen(url, [subject.channel], timeline.onNotification, {
          appName: subject.app,
          onSignal: timeline.onSignal,
          onResync: () => subject.resync(),
        })
      }
      // Every millisecond, each library's sender notifies its channel with the next number of its own sequence.
      // A sender still busy skips the tick without using a number, so a hole in a library's sequence
      // always means notifications sent and never delivered: a lost connection, never a skipped tick.
      ticker = setInterval(() => {
        for (const s of subjects) {
          if (s.sending) continue // one statement at a time
          s.sending = true
          // The number is used up only once the notification is committed; a failed send reuses it.
          s.sender.query('select pg_notify($1, $2)', [s.channel, String(s.sent)]).then(
            () => {
              s.sent++
              s.sending = false
            },
            () => void (s.sending = false),
          )
        }
      }, 1)
      const kills = ctx.round < 0 ? 1 : ctx.config.reconnectKills
      for (let k = 0; k < kills; k++) {
        for (let j = 0; j < subjects.length; j++) {
          const s = subjects[(k + j) % subjects.length]!
          if (s.outcomes.some((o) => o.gapMs === undefined)) continue // dead for good
          await within(s.timeline.steady(20), 5000, `reconnect on ${s.library}: steady delivery`)
          s.outcomes.push(await killOnce(admin, s.app, s.timeline, s.library))
        }
      }
      const results: Partial<Record<LibraryName, RunResult>> = {}
      for (const s of subjects) {
        const gaps = s.outcomes.flatMap((o) => (o.gapMs === undefined ? [] : [o.gapMs]))
        if (gaps.length < s.outcomes.length) {
          results[s.library] = { 'reconnect-gap': { text: `none in ${GIVE_UP_MS / 1000} s` }, 'gap-signal': { text: 'no: client dies' } }
          continue
        }
        const gap = { value: median(gaps)!, text: `${median(s.outcomes.map((o) => o.lost))} lost` }
        if (ctx.round !== 0) {
          results[s.library] = { 'reconnect-gap': gap }
          continue
        }
        const held = await probeHold(admin, s, (fn) => (s.resync = fn))
        results[s.library] = { 'reconnect-gap': gap, 'gap-signal': { text: inBandText(s, held) } }
      }
      return results
    } finally {
      clearInterval(ticker)
      for (const s of subjects) {
        await s.listener?.close()
        await s.sender.end()
      }
      await admin.end()
    }
  },
}

/** One library in the reconnect workload. */
interface Subject {
  readonly library: LibraryName
  readonly timeline: Timeline
  readonly app: string
  readonly channel: string
  resync: () => Promise<void>
  readonly outcomes: KillOutcome[]
  listener: BenchListener | undefined
  /** A raw pg client on the library's database, notifying its channel every millisecond. */
  readonly sender: pg.Client
  sending: boolean
  /** Notifications this library's sender has committed, which is the next one's payload. */
  sent: number
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
async function probeHold(admin: pg.Client, subject: Subject, setResync: (fn: () => Promise<void>) => void): Promise<boolean | undefined> {
  const { timeline, library, app } = subject
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

function inBandText(subject: Subject, held: boolean | undefined): string {
  const first = subject.outcomes[0]
  if (first === undefined) return 'not measured'
  if (!first.signalled) {
    const late = subject.timeline.signals.some((s) => s.at > (first.firstAt ?? Infinity))
    return late ? 'signal after first delivery, not held' : 'no signal'
  }
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
