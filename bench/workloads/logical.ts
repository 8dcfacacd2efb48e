import { dropDurable, listen, notify, open, sql, type PostgresDB, type PostgresListener } from '@liteorm/postgres'
import { admin } from '@liteorm/testing'
import { percentile, sleep, within } from '../measure.js'
import type { RowSpec, RunResult, Target, Workload } from './workload.js'

/** liteorm's own figure in a row must meet `op limit`. */
function limitTarget(label: string, op: '<=' | '>=', limit: number): Target {
  return {
    label,
    evaluate(cells) {
      const value = cells.liteorm?.value
      if (value === undefined) return undefined
      const pass = op === '<=' ? value <= limit : value >= limit
      return { pass, detail: `${value.toFixed(2)} (${op} ${limit})` }
    },
  }
}

const ROWS: readonly RowSpec[] = [
  { id: 'notify-p50', title: 'NOTIFY: latency p50', unit: 'ms', better: 'lower', targets: [], ratios: false },
  { id: 'logical-p50', title: 'logical: latency p50', unit: 'ms', better: 'lower', targets: [], ratios: false },
  { id: 'notify-p99', title: 'NOTIFY: latency p99', unit: 'ms', better: 'lower', targets: [], ratios: false },
  { id: 'logical-p99', title: 'logical: latency p99', unit: 'ms', better: 'lower', targets: [], ratios: false },
  { id: 'p99-ratio', title: 'logical p99 / NOTIFY p99', unit: '×', better: 'lower', targets: [limitTarget('≤ 2× NOTIFY', '<=', 2)], ratios: false },
  { id: 'notify-bulk', title: 'NOTIFY: 100k in one commit', unit: 'notif/s', better: 'higher', targets: [], ratios: false },
  { id: 'logical-bulk', title: 'logical: 100k in one commit', unit: 'notif/s', better: 'higher', targets: [], ratios: false },
  { id: 'bulk-ratio', title: 'logical bulk / NOTIFY bulk', unit: '×', better: 'higher', targets: [limitTarget('≥ 0.5× NOTIFY', '>=', 0.5)], ratios: false },
  { id: 'notify-kill-lost', title: 'NOTIFY: lost through a backend kill', unit: 'notif', better: 'lower', targets: [], ratios: false },
  { id: 'logical-kill-lost', title: 'logical durable: lost through a walsender kill', unit: 'notif', better: 'lower', targets: [limitTarget('0 lost', '<=', 0)], ratios: false },
  { id: 'logical-kill-repeated', title: 'logical durable: repeated through a walsender kill', unit: 'notif', better: 'lower', targets: [], ratios: false },
  { id: 'writers-none', title: '16 writers, insert only', unit: 'commits/s', better: 'higher', targets: [], ratios: false },
  { id: 'writers-notify', title: '16 writers, insert + NOTIFY', unit: 'commits/s', better: 'higher', targets: [], ratios: false },
  { id: 'writers-logical', title: '16 writers, insert + logical message', unit: 'commits/s', better: 'higher', targets: [], ratios: false },
]

type Transport = 'notify' | 'logical'

/** A DB and a listener on one transport, on one channel. */
interface Side {
  readonly db: PostgresDB<unknown>
  readonly listener: PostgresListener
  readonly channel: string
}

async function side(url: string, transport: Transport, channel: string, durable?: string): Promise<Side> {
  const db = open({ url, notifications: transport, max: 16, application_name: `liteorm-bench-${transport}` })
  const listener = await listen(db, [channel], durable === undefined ? {} : { durable, reconnect: { minDelayMs: 20, maxDelayMs: 200 } })
  return { db, listener, channel }
}

async function closeSide(s: Side): Promise<void> {
  await s.listener.close()
  await s.db.close()
}

/** One round trip: notify, then receive it; in ms. */
async function roundTrip(s: Side, payload: string): Promise<number> {
  const start = performance.now()
  await notify(s.db, s.channel, payload)
  const n = await s.listener.receive(AbortSignal.timeout(10_000))
  if (n.payload !== payload) throw new Error(`expected ${payload}, received ${n.payload}`)
  return performance.now() - start
}

/** `count` notifications in one commit, made by one server-side statement; deliveries per second from before the statement to the last receipt. */
async function bulk(s: Side, transport: Transport, count: number): Promise<number> {
  const call = transport === 'notify' ? sql`pg_notify(${s.channel}, i::text)` : sql`pg_logical_emit_message(true, ${`liteorm:${s.channel}`}, i::text)`
  const start = performance.now()
  const sending = s.db.exec(sql`select ${call} from generate_series(1, ${count}) as i`)
  for (let i = 1; i <= count; i++) {
    const n = await s.listener.receive(AbortSignal.timeout(60_000))
    if (n.payload !== String(i)) throw new Error(`bulk on ${transport}: expected ${i}, received ${n.payload}`)
  }
  await sending
  return count / ((performance.now() - start) / 1000)
}

/** Sends a sequence for `ms`, one every millisecond, killing the listener's server process a third of the way in; counts what never arrived and what arrived twice. */
async function throughKill(s: Side, url: string, transport: Transport, ms: number): Promise<{ lost: number; repeated: number }> {
  const received: string[] = []
  let consuming = true
  const consumer = (async () => {
    while (consuming) {
      const n = await s.listener.receive(AbortSignal.timeout(500)).catch(() => undefined)
      if (n !== undefined) received.push(n.payload)
    }
  })()
  const start = performance.now()
  let sent = 0
  let killed = false
  while (performance.now() - start < ms) {
    await notify(s.db, s.channel, String(sent++))
    if (!killed && performance.now() - start > ms / 3) {
      killed = true
      const ended = await admin(url, transport === 'notify' ? KILL_LISTENER : KILL_WALSENDER, [s.channel])
      if (ended.length !== 1) throw new Error(`${transport}: expected to kill 1 listener process, killed ${ended.length}`)
    }
    await sleep(1)
  }
  const distinct = (): number => new Set(received).size
  // Logical durable delivers all; NOTIFY's lost ones never come: wait for all, or for the last one sent.
  await within(
    (async () => {
      while (distinct() < sent && !received.includes(String(sent - 1))) await sleep(20)
    })(),
    20_000,
    `${transport}: the last notification after the kill`,
  )
  consuming = false
  await consumer
  return { lost: sent - distinct(), repeated: received.length - distinct() }
}

const KILL_LISTENER = `select pg_terminate_backend(pid) from pg_stat_activity
  where datname = current_database() and pid <> pg_backend_pid() and query = 'LISTEN "' || $1 || '"'`
const KILL_WALSENDER = `select pg_terminate_backend(active_pid) from pg_replication_slots where database = current_database() and active_pid is not null and $1 <> ''`

type WriteMode = Transport | 'none'

/** 16 writers on `db`, each committing an insert (plus one notification unless `mode` is none) in a loop for `ms`; how many commits. */
async function writeFor(db: PostgresDB<unknown>, mode: WriteMode, ms: number): Promise<number> {
  let commits = 0
  const until = performance.now() + ms
  await Promise.all(
    Array.from({ length: 16 }, async (_, w) => {
      while (performance.now() < until) {
        await db.transaction(async (tx) => {
          await tx.exec(sql`insert into bench_logical_writes (writer) values (${w})`)
          if (mode !== 'none') await notify(tx, 'bench_writes', String(w))
        })
        commits++
      }
    }),
  )
  return commits
}

/** Commits per second of the three writer modes, measured in alternating slices of `sliceMs` for `totalMs` each, so machine noise hits all alike. */
async function writers(url: string, totalMs: number, sliceMs: number): Promise<Record<WriteMode, number>> {
  const modes: WriteMode[] = ['none', 'notify', 'logical']
  const dbs = Object.fromEntries(modes.map((m) => [m, open({ url, notifications: m === 'none' ? 'notify' : m, max: 16, application_name: 'liteorm-bench-writer' })])) as Record<
    WriteMode,
    PostgresDB<unknown>
  >
  try {
    const commits: Record<WriteMode, number> = { none: 0, notify: 0, logical: 0 }
    for (const m of modes) await writeFor(dbs[m], m, 200) // connect and warm up
    for (let slice = 0; slice * sliceMs < totalMs; slice++) {
      for (let k = 0; k < modes.length; k++) {
        const m = modes[(slice + k) % modes.length]!
        commits[m] += await writeFor(dbs[m], m, sliceMs)
      }
    }
    const seconds = (Math.ceil(totalMs / sliceMs) * sliceMs) / 1000
    return { none: commits.none / seconds, notify: commits.notify / seconds, logical: commits.logical / seconds }
  } finally {
    for (const m of modes) await dbs[m].close()
  }
}

/**
 * The logical transport against NOTIFY, both through liteorm in the same
 * run: latency (interleaved samples), 100 000 notifications in one commit,
 * a backend kill under a 1 kHz stream (NOTIFY's listener backend; the
 * durable logical listener's walsender), and the commit rate of 16 writers
 * each inserting a row with one notification, without one as the limit.
 *
 * ### Examples
 *
 * ```ts
 * const r = await logicalWorkload.run!('liteorm', ctx) // { 'notify-p50': …, 'logical-p50': …, … }
 * ```
 */
export const logicalWorkload: Workload = {
  id: 'logical',
  title: 'Logical transport vs NOTIFY (liteorm)',
  method:
    "liteorm's two transports on the same server in the same run. Latency: notify(db) then receive, one at a time, NOTIFY and logical " +
    'samples interleaved; p50/p99 in ms. Bulk: one statement sends 100 000 notifications in one commit (pg_notify or pg_logical_emit_message ' +
    'over generate_series), timed from the statement to the last receipt. Kill: notify once a millisecond for 3 s; a third of the way in, ' +
    "the listener's server process is terminated (NOTIFY: its backend; logical: the durable listener's walsender); lost = sent and never " +
    'received, repeated = received twice. Writers: 16 concurrent transactions in a loop, each an insert plus one notification (NOTIFY, ' +
    'logical message) or none (the limit), in alternating 500 ms slices, the same total time each; commits/s. Needs wal_level=logical.',
  libraries: ['liteorm'],
  rows: ROWS,
  rounds: () => 1,

  async setup(url) {
    await admin(url, 'create table if not exists bench_logical_writes (id bigserial primary key, writer int not null, at timestamptz not null default now())')
    return async () => void (await admin(url, 'drop table if exists bench_logical_writes'))
  },

  async run(_library, ctx) {
    const warm = ctx.round < 0
    const samples = warm ? 200 : ctx.config.latencySamples
    const notifySide = await side(ctx.url, 'notify', `bench_n_${ctx.tag}`)
    const logicalSide = await side(ctx.url, 'logical', `bench_l_${ctx.tag}`)
    const result: RunResult = {}
    try {
      const times: Record<Transport, number[]> = { notify: [], logical: [] }
      for (let i = 0; i < samples; i++) {
        const order: [Transport, Side][] = i % 2 === 0 ? [['notify', notifySide], ['logical', logicalSide]] : [['logical', logicalSide], ['notify', notifySide]]
        for (const [t, s] of order) times[t].push(await roundTrip(s, String(i)))
      }
      const p99 = { notify: percentile(times.notify, 99), logical: percentile(times.logical, 99) }
      Object.assign(result, {
        'notify-p50': { value: percentile(times.notify, 50) },
        'logical-p50': { value: percentile(times.logical, 50) },
        'notify-p99': { value: p99.notify },
        'logical-p99': { value: p99.logical },
        'p99-ratio': { value: p99.logical / p99.notify },
      })
      const count = warm ? 10_000 : ctx.config.bulkCount
      const notifyBulk = await bulk(notifySide, 'notify', count)
      const logicalBulk = await bulk(logicalSide, 'logical', count)
      Object.assign(result, { 'notify-bulk': { value: notifyBulk }, 'logical-bulk': { value: logicalBulk }, 'bulk-ratio': { value: logicalBulk / notifyBulk } })
    } finally {
      await closeSide(notifySide)
      await closeSide(logicalSide)
    }
    if (warm) return result

    const killMs = 3000
    const notifyKill = await side(ctx.url, 'notify', `bench_nk_${ctx.tag}`)
    try {
      const { lost } = await throughKill(notifyKill, ctx.url, 'notify', killMs)
      result['notify-kill-lost'] = { value: lost }
    } finally {
      await closeSide(notifyKill)
    }
    const durable = `bench_${ctx.tag}`
    const logicalKill = await side(ctx.url, 'logical', `bench_lk_${ctx.tag}`, durable)
    try {
      const { lost, repeated } = await throughKill(logicalKill, ctx.url, 'logical', killMs)
      Object.assign(result, { 'logical-kill-lost': { value: lost }, 'logical-kill-repeated': { value: repeated } })
    } finally {
      await closeSide(logicalKill)
      const db = open({ url: ctx.url, notifications: 'logical' })
      await dropDurable(db, durable).finally(() => db.close())
    }

    const writeMs = ctx.config.mode === 'quick' ? 2000 : 5000
    // A listener of each transport is open while its writers run, as in production.
    const listeners = [await side(ctx.url, 'notify', 'bench_writes'), await side(ctx.url, 'logical', 'bench_writes')]
    const drains = listeners.map(async (s) => {
      for await (const n of s.listener) void n
    })
    try {
      const rates = await writers(ctx.url, writeMs, 500)
      Object.assign(result, { 'writers-none': { value: rates.none }, 'writers-notify': { value: rates.notify }, 'writers-logical': { value: rates.logical } })
    } finally {
      for (const s of listeners) await closeSide(s)
      await Promise.all(drains)
    }
    return result
  },
}
