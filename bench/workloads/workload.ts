import type { BenchConfig, WorkloadId } from '../config.js'
import type { NotifyLibraryName } from '../peers/notify-peer.js'

/** Every library a column of the table can show, liteorm first. */
export type LibraryName = NotifyLibraryName | 'Kysely' | 'better-sqlite3'

/** The table's columns, in order. */
export const LIBRARIES: readonly LibraryName[] = ['liteorm', 'pg', 'pg-listen', 'postgres.js', 'Kysely', 'better-sqlite3']

/** One library's figure in one row: a number, a text (yes/no answers, "dead"), or both. */
export interface Cell {
  readonly value?: number
  readonly text?: string
}

/** A row's cells once the rounds are combined. */
export type RowCells = Partial<Record<LibraryName, Cell>>

/** Whether liteorm meets one target of a row, and the figure that decides it. */
export interface TargetOutcome {
  readonly pass: boolean
  /** E.g. `0.97× best peer (postgres.js), target ≥ 1.00`. */
  readonly detail: string
}

/** A target of a row: decides pass/miss from the row's cells; `undefined` when it cannot be judged. */
export interface Target {
  readonly label: string
  evaluate(cells: RowCells): TargetOutcome | undefined
}

/** One line of the table. */
export interface RowSpec {
  readonly id: string
  readonly title: string
  /** Unit shown after the numbers, e.g. `notif/s`, `ms`, `ops/s`, `MB`. */
  readonly unit: string
  /** Which direction is better, for ratios and the chart. */
  readonly better: 'higher' | 'lower'
  readonly targets: readonly Target[]
  /** `false` for figures whose ratios mean nothing (small, noisy or signed): shown without ratio, left out of the chart. */
  readonly ratios?: boolean
}

/** What a workload runs in: the server, the sizes, the round. */
export interface RunContext {
  readonly url: string
  readonly config: BenchConfig
  /** 0-based timed round, or -1 for the warm-up. */
  readonly round: number
  /** A name unique to this run of this library (channels, application_name). */
  readonly tag: string
  /**
   * URLs of separate databases on the same server, one per library, for the
   * workloads that run libraries at the same time (`runAll`); each is `url`
   * when databases could not be created.
   */
  readonly databases: readonly string[]
}

/** A workload's figures from one run of one library: row id → cell. */
export type RunResult = Record<string, Cell | undefined>

/**
 * A benchmark workload: the rows it reports, the libraries it runs, and
 * how they run. The orchestrator warms each library up, then runs every
 * library once per round in rotating order (`run`), or all of them together
 * with their samples interleaved (`runAll`), and reports the median per
 * cell over the rounds.
 */
export interface Workload {
  readonly id: WorkloadId
  readonly title: string
  /** How it is measured, for RESULTS.md. */
  readonly method: string
  readonly libraries: readonly LibraryName[]
  readonly rows: readonly RowSpec[]
  /** Prepares shared state (tables); the returned function undoes it. */
  setup?(url: string, config: BenchConfig): Promise<() => Promise<void>>
  /** Runs `library` once; with `ctx.round === -1` it is an untimed warm-up (smaller sizes). */
  run?(library: LibraryName, ctx: RunContext): Promise<RunResult>
  /**
   * Runs every library in one go, interleaving their samples (in the given
   * order, rotating), so a noisy moment on the machine hits all of them
   * alike. For short samples: latency, reconnect.
   */
  runAll?(libraries: readonly LibraryName[], ctx: RunContext): Promise<Partial<Record<LibraryName, RunResult>>>
}

/** The best peer's (not liteorm's) numeric cell in `cells`, by `better`. */
export function bestPeer(cells: RowCells, better: 'higher' | 'lower'): { name: LibraryName; value: number } | undefined {
  let best: { name: LibraryName; value: number } | undefined
  for (const name of LIBRARIES) {
    if (name === 'liteorm') continue
    const value = cells[name]?.value
    if (value === undefined || !Number.isFinite(value)) continue
    if (best === undefined || (better === 'higher' ? value > best.value : value < best.value)) best = { name, value }
  }
  return best
}

/**
 * A target on liteorm's number against a peer's (or the best peer's):
 * `value` ratio = liteorm ÷ peer; `time` ratio (for rows in ops/s) =
 * peer ÷ liteorm, i.e. liteorm's time per operation over the peer's.
 *
 * ### Examples
 *
 * ```ts
 * ratioTarget({ against: 'best', better: 'higher', ratio: 'value', op: '>=', limit: 1 })
 * ratioTarget({ against: 'pg', better: 'higher', ratio: 'time', op: '<=', limit: 1.1 })
 * ```
 */
export function ratioTarget(spec: {
  against: LibraryName | 'best'
  better: 'higher' | 'lower'
  ratio: 'value' | 'time'
  op: '>=' | '<='
  limit: number
}): Target {
  const what = spec.against === 'best' ? 'best peer' : spec.against
  const label = `${spec.ratio === 'time' ? 'time ' : ''}vs ${what} ${spec.op} ${spec.limit.toFixed(2)}`
  return {
    label,
    evaluate(cells) {
      const mine = cells.liteorm?.value
      const peer = spec.against === 'best' ? bestPeer(cells, spec.better) : valueOf(cells, spec.against)
      if (mine === undefined || peer === undefined) return undefined
      const ratio = spec.ratio === 'value' ? mine / peer.value : peer.value / mine
      const meets = (r: number): boolean => (spec.op === '>=' ? r >= spec.limit : r <= spec.limit)
      const pass = meets(ratio)
      // Two decimals, or three when two would hide why it missed (0.998 shown as 1.00).
      const shown = meets(Number(ratio.toFixed(2))) === pass ? ratio.toFixed(2) : ratio.toFixed(3)
      return { pass, detail: `${spec.ratio === 'time' ? 'time ' : ''}${shown}× ${peer.name} (${spec.op} ${spec.limit.toFixed(2)})` }
    },
  }
}

function valueOf(cells: RowCells, name: LibraryName): { name: LibraryName; value: number } | undefined {
  const value = cells[name]?.value
  return value === undefined ? undefined : { name, value }
}
