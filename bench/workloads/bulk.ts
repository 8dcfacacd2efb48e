import type pg from 'pg'
import { NOTIFY_LIBRARIES, notifyPeer } from '../peers/all.js'
import { LITEORM_FORM_IDIOMS, LITEORM_FORMS, listenIn, type LiteormForm } from '../peers/liteorm-forms.js'
import type { BenchListener, NotifyPeer } from '../peers/notify-peer.js'
import { adminClient } from '../server.js'
import { Delivery, measureCommit, type CommitMeasure } from './bulk-commit.js'
import { ratioTarget, type LibraryName, type RowSpec, type RunContext, type RunResult, type Workload } from './workload.js'

/** The library every CPU ratio is taken against: node-postgres's own `'notification'` event. */
const BASELINE: LibraryName = 'pg'

/** The row of each liteorm form's CPU figure, and its target (ratio to raw pg, paired per round). */
const CPU_ROWS: Readonly<Record<LiteormForm, { id: string; title: string; limit: number }>> = {
  'for await': { id: 'bulk-cpu', title: 'bulk: client CPU, natural consumer (liteorm for await)', limit: 0.9 },
  receive: { id: 'bulk-cpu-receive', title: 'bulk: client CPU, liteorm receive() loop', limit: 1.0 },
  subscribe: { id: 'bulk-cpu-subscribe', title: 'bulk: client CPU, liteorm subscribe handler', limit: 1.1 },
}

/** The form whose throughput and CPU are liteorm's in the rows every library shares: its natural consumer. */
const NATURAL: LiteormForm = 'for await'

/** One consumer measured: a library's natural consumer, or one of liteorm's forms. */
interface Subject {
  readonly library: LibraryName
  readonly form: LiteormForm | undefined
  readonly listen: NotifyPeer['listen']
}

/** A subject's open listener, the sender on its database, and what it has received. */
interface Running {
  readonly subject: Subject
  readonly channel: string
  readonly sender: pg.Client
  readonly listener: BenchListener
  readonly delivery: Delivery
}

/** Each library's natural consumer, liteorm expanded into its three forms, in table order whatever the order of `libraries`. */
function subjectsOf(libraries: readonly LibraryName[]): Subject[] {
  return NOTIFY_LIBRARIES.filter((l) => libraries.includes(l)).flatMap((library): Subject[] =>
    library === 'liteorm'
      ? LITEORM_FORMS.map((form) => ({ library, form, listen: listenIn(form) }))
      : [{ library, form: undefined, listen: notifyPeer(library).listen }],
  )
}

function measureOnce(r: Running, count: number): Promise<CommitMeasure> {
  const what = `bulk delivery on ${r.subject.library}${r.subject.form === undefined ? '' : ` (${r.subject.form})`}`
  return measureCommit(r.sender, r.channel, r.delivery, count, what)
}

/** Turns one round's measurements into cells: throughput, CPU per notification and its ratio to the baseline. */
function cellsOf(measured: ReadonlyMap<Subject, CommitMeasure>): Partial<Record<LibraryName, RunResult>> {
  const baseline = [...measured].find(([s]) => s.library === BASELINE)?.[1].cpuNs
  const cpu = (m: CommitMeasure): { value: number; ratio?: number } => ({ value: m.cpuNs, ...(baseline === undefined ? {} : { ratio: m.cpuNs / baseline }) })
  const results: Partial<Record<LibraryName, RunResult>> = {}
  for (const [subject, m] of measured) {
    const cells = (results[subject.library] ??= {})
    if (subject.form !== undefined) {
      cells[CPU_ROWS[subject.form].id] = cpu(m)
      if (subject.form === NATURAL) cells.bulk = { value: m.rate }
      continue
    }
    cells.bulk = { value: m.rate }
    cells[CPU_ROWS[NATURAL].id] = cpu(m)
    // The baseline's figure is shown in every CPU row, beside the form compared with it.
    if (subject.library === BASELINE) for (const form of LITEORM_FORMS) cells[CPU_ROWS[form].id] = cpu(m)
  }
  return results
}

const ROWS: readonly RowSpec[] = [
  { id: 'bulk', title: 'bulk delivery (one commit)', unit: 'notif/s', better: 'higher', targets: [] },
  ...[NATURAL, 'receive' as const, 'subscribe' as const].map(
    (form): RowSpec => ({
      id: CPU_ROWS[form].id,
      title: CPU_ROWS[form].title,
      unit: 'ns/notif',
      better: 'lower',
      baseline: BASELINE,
      ...(form === NATURAL ? {} : { only: ['liteorm', BASELINE] }),
      targets: [ratioTarget({ against: BASELINE, better: 'lower', ratio: 'paired', op: '<=', limit: CPU_ROWS[form].limit })],
    }),
  ),
]

/**
 * Bulk delivery: `bulkCount` notifications sent in one commit, each
 * library's listener on its own database with a raw `pg` sender there,
 * measured for every library's natural consumer and for each of liteorm's
 * consumer forms (`receive()` loop, `for await`, `subscribe` handler). Per
 * commit: notifications/s from just before the statement to the last
 * delivery, and the process's CPU time (`process.cpuUsage()`, user +
 * system) over that span per notification — the part of the cost the client
 * library controls, as the server's time dominates the wall clock.
 *
 * Every round opens all the listeners, primes each with a small untimed
 * commit, then measures one commit per consumer in an order rotating from
 * round to round. CPU ratios are taken against raw pg's in the same round
 * and combined as the median of the rounds' ratios (paired measurements: on
 * a shared machine a single round's ratio swings widely).
 *
 * ### Examples
 *
 * ```ts
 * const r = await bulkWorkload.runAll!(['liteorm', 'pg'], ctx) // { liteorm: { bulk: …, 'bulk-cpu': { value: 640, ratio: 0.93 }, … }, pg: … }
 * ```
 */
export const bulkWorkload: Workload = {
  id: 'bulk',
  title: 'Bulk delivery',
  method:
    'N notifications in one commit (`select count(pg_notify($1, g::text)) from generate_series(1, $2) g`, sent by a raw pg client on the ' +
    "listener's database), to each library's natural consumer and to each liteorm consumer form " +
    `(${LITEORM_FORMS.map((f) => `\`${LITEORM_FORM_IDIOMS[f]}\``).join(', ')}), each listener on a database of its own. ` +
    'Notifications/s from before the statement to the last delivery; client CPU = the process\'s user + system time ' +
    '(`process.cpuUsage()`) over the same span ÷ N, after a full GC. One commit per consumer and round, the order rotating ' +
    'from round to round; CPU ratios are to raw pg in the same round, and the figure shown is the median of the rounds\' ratios.',
  libraries: NOTIFY_LIBRARIES,
  rows: ROWS,
  rounds: (config) => config.bulkRounds,
  databases: NOTIFY_LIBRARIES.length - 1 + LITEORM_FORMS.length,

  async runAll(libraries, ctx: RunContext) {
    const count = ctx.config.bulkCount // the warm-up runs full size too: the JIT needs it to settle every delivery path
    const subjects = subjectsOf(libraries)
    const running: Running[] = []
    try {
      for (const [i, subject] of subjects.entries()) {
        // A database each: PostgreSQL wakes every listening backend of a database on each NOTIFY.
        const url = ctx.databases[i] ?? ctx.url
        const channel = `bench_bulk_${i}_${ctx.tag}`
        const delivery = new Delivery()
        const sender = await adminClient(url)
        const listener = await subject.listen(url, [channel], delivery.onNotification).catch(async (error: unknown) => {
          await sender.end()
          throw error
        })
        running.push({ subject, channel, sender, listener, delivery })
      }
      for (const r of running) await measureOnce(r, Math.ceil(count / 100)) // untimed: primes each connection
      const measured = new Map<Subject, CommitMeasure>()
      const shift = Math.max(0, ctx.round)
      for (let k = 0; k < running.length; k++) {
        const r = running[(k + shift) % running.length]!
        measured.set(r.subject, await measureOnce(r, count))
      }
      return cellsOf(measured)
    } finally {
      for (const r of running) {
        await r.listener.close()
        await r.sender.end()
      }
    }
  },
}
