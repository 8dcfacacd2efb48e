/** How big and how long each workload runs. */
export interface BenchConfig {
  readonly mode: 'quick' | 'full'
  /** Timed rounds per workload; the reported figure is the median over them. */
  readonly rounds: number
  /** Notifications sent in one commit by the bulk workload. */
  readonly bulkCount: number
  /**
   * Timed rounds of the bulk workload, which runs one commit per library
   * (and per liteorm consumer form) each round, interleaved: its CPU ratios
   * are the median of per-round ratios, so it needs more rounds than the rest.
   */
  readonly bulkRounds: number
  /** How long the 4 concurrent senders send, per library and round. */
  readonly concurrentMs: number
  /** Latency samples per library and round. */
  readonly latencySamples: number
  /** Backend kills per library and round in the reconnect workload (the run reports their median gap). */
  readonly reconnectKills: number
  /** Channels of the many-channels listener. */
  readonly manyChannels: number
  /** Notifications spread over them. */
  readonly manyChannelsCount: number
  /** How long each session operation runs, per library and round. */
  readonly sessionMs: number
  /** Rows in the lookup table of the session workloads. */
  readonly sessionRows: number
  /** In-flight operations of the PostgreSQL session workloads (pool size 4). */
  readonly sessionConcurrency: number
  /** Rows each library loads in the copy workload's timed load. */
  readonly copyRows: number
  /** Rows made by a generator for the copy workload's heap measure. */
  readonly copyHeapRows: number
  /** Scale of each untimed warm-up run, as a fraction of a timed one. */
  readonly warmupFraction: number
}

/** Workload ids, in the order they run; `--only` takes a comma-separated subset. */
export const WORKLOAD_IDS = ['bulk', 'concurrent', 'latency', 'reconnect', 'many-channels', 'session', 'sqlite', 'copy', 'logical'] as const

/** One of {@link WORKLOAD_IDS}. */
export type WorkloadId = (typeof WORKLOAD_IDS)[number]

/** What the command line asked for. */
export interface CliOptions {
  readonly config: BenchConfig
  /** Workloads to run (all by default). */
  readonly only: readonly WorkloadId[]
  /** Libraries to run (all by default); names as in the table, e.g. `liteorm,pg`. For profiling. */
  readonly libraries: readonly string[] | undefined
  /** Write bench/RESULTS.md and bench/results.svg (full mode, all workloads, all libraries). */
  readonly write: boolean
}

const FULL: BenchConfig = {
  mode: 'full',
  rounds: 3,
  bulkCount: 100_000,
  bulkRounds: 11,
  concurrentMs: 2000,
  latencySamples: 2000,
  reconnectKills: 9,
  manyChannels: 1000,
  manyChannelsCount: 100_000,
  sessionMs: 1500,
  sessionRows: 10_000,
  sessionConcurrency: 8,
  copyRows: 100_000,
  copyHeapRows: 1_000_000,
  warmupFraction: 0.25,
}

const QUICK: BenchConfig = {
  ...FULL,
  mode: 'quick',
  rounds: 1,
  bulkRounds: 3,
  concurrentMs: 1000,
  latencySamples: 500,
  reconnectKills: 5,
  manyChannelsCount: 50_000,
  sessionMs: 600,
  warmupFraction: 0.2,
}

/**
 * Parses `pnpm bench` arguments: `--quick`, `--only=a,b` (or `--only a,b`),
 * `--help`. Throws with the usage text for anything else.
 *
 * ### Examples
 *
 * ```ts
 * parseArgs(['--quick', '--only', 'bulk,latency']).only // ['bulk', 'latency']
 * ```
 */
export function parseArgs(argv: readonly string[]): CliOptions {
  let quick = false
  let only: WorkloadId[] | undefined
  let libraries: string[] | undefined
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (arg === '--') continue
    if (arg === '--quick') quick = true
    else if (arg === '--only' || arg.startsWith('--only=')) {
      const value = arg === '--only' ? argv[++i] : arg.slice('--only='.length)
      only = parseOnly(value ?? '')
    } else if (arg === '--libs' || arg.startsWith('--libs=')) {
      const value = arg === '--libs' ? argv[++i] : arg.slice('--libs='.length)
      libraries = (value ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '')
      if (libraries.length === 0) throw new Error(usage('--libs needs library names'))
    } else throw new Error(usage(`unknown argument ${JSON.stringify(arg)}`))
  }
  const config = quick ? QUICK : FULL
  return { config, only: only ?? [...WORKLOAD_IDS], libraries, write: !quick && only === undefined && libraries === undefined }
}

function parseOnly(value: string): WorkloadId[] {
  const ids = value.split(',').map((s) => s.trim()).filter((s) => s !== '')
  for (const id of ids) {
    if (!(WORKLOAD_IDS as readonly string[]).includes(id)) throw new Error(usage(`unknown workload ${JSON.stringify(id)}`))
  }
  if (ids.length === 0) throw new Error(usage('--only needs workload ids'))
  return ids as WorkloadId[]
}

/**
 * The usage text, after `problem`.
 *
 * ### Examples
 *
 * ```ts
 * console.error(usage('bad flag'))
 * ```
 */
export function usage(problem?: string): string {
  return [
    problem === undefined ? '' : `pnpm bench: ${problem}\n`,
    'usage: pnpm bench [--quick] [--only=workload[,workload...]] [--libs=library[,library...]]',
    `  --quick   ${QUICK.rounds} round (bulk ${QUICK.bulkRounds}), smaller sizes (under 2 minutes); writes nothing`,
    `  --only    run a subset: ${WORKLOAD_IDS.join(', ')} (writes nothing)`,
    '  --libs    run some libraries only, e.g. --libs=liteorm for a CPU profile (writes nothing)',
    `Full mode (no flags) runs ${FULL.rounds} rounds (bulk ${FULL.bulkRounds}) and writes bench/RESULTS.md and bench/results.svg.`,
  ].join('\n')
}
