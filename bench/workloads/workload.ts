import type { BenchConfig, WorkloadId } from '../config.js'
import type { NotifyLibraryName } from '../peers/notify-peer.js'

/**
 * Every library a column of the table can show, liteorm first. `floor` is
 * better-sqlite3 driven by compiled Kysely `sql` templates, the least any
 * such layer can do (see `floorSqliteSession`).
 */
export type LibraryName = NotifyLibraryName | 'Kysely' | 'better-sqlite3' | 'floor'

/** The table's columns, in order. */
export const LIBRARIES: readonly LibraryName[] = ['liteorm', 'pg', 'pg-listen', 'postgres.js', 'Kysely', 'better-sqlite3', 'floor']

/** One library's figure in one row: a number, a text (yes/no answers, "dead"), or both. */
export interface Cell {
  readonly value?: number
  readonly text?: string
  /**
   * In a row with a {@link RowSpec.baseline}: `value` over the baseline's
   * value measured in the same round. Combined over rounds as the median of
   * these per-round ratios, not as a ratio of medians.
   */
  readonly ratio?: number
  /** Once rounds are combined: the lower and upper quartiles of the per-round {@link ratio}s. */
  readonly spread?: readonly [low: number, high: number]
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
  /**
   * The library every ratio of this row is taken against, round by round
   * (cells carry {@link Cell.ratio}), instead of the best peer's combined figure.
   */
  readonly baseline?: LibraryName
  /** The libraries this row measures, when not all of the workload's; the others' cells stay blank. */
  readonly only?: readonly LibraryName[]
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
   * URLs of separate databases on the same server, one per library (or as
   * many as {@link Workload.databases} asks), for the workloads that run
   * libraries at the same time (`runAll`); each is `url` when databases
   * could not be created.
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
  /** Timed rounds of this workload, when it needs another number than {@link BenchConfig.rounds}. */
  rounds?(config: BenchConfig): number
  /** Separate databases its `runAll` uses ({@link RunContext.databases}), when not one per library. */
  readonly databases?: number
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

/**
 * The best numeric cell in `cells` by `better`, among `among` (default:
 * every peer, i.e. every library but liteorm).
 */
export function bestPeer(
  cells: RowCells,
  better: 'higher' | 'lower',
  among: readonly LibraryName[] = LIBRARIES.filter((name) => name !== 'liteorm'),
): { name: LibraryName; value: number } | undefined {
  let best: { name: LibraryName; value: number } | undefined
  for (const name of among) {
    const value = cells[name]?.value
    if (value === undefined || !Number.isFinite(value)) continue
    if (best === undefined || (better === 'higher' ? value > best.value : value < best.value)) best = { name, value }
  }
  return best
}

/** How {@link ratioTarget} compares liteorm with a peer. */
export interface RatioSpec {
  /** A peer, the best of a list of peers, or the best peer of the row. */
  readonly against: LibraryName | readonly LibraryName[] | 'best'
  readonly better: 'higher' | 'lower'
  /**
   * `value` = liteorm ÷ peer; `time` (for rows in ops/s) = peer ÷ liteorm,
   * liteorm's time per operation over the peer's; `paired` = liteorm's
   * {@link Cell.ratio}, measured against the row's baseline round by round
   * (`against` names that baseline).
   */
  readonly ratio: 'value' | 'time' | 'paired'
  readonly op: '>=' | '<='
  readonly limit: number
}

/**
 * A target on liteorm's number against a peer's (or the best peer's, or
 * the best of some peers'), or on its paired ratio to the row's baseline.
 *
 * ### Examples
 *
 * ```ts
 * ratioTarget({ against: 'best', better: 'higher', ratio: 'value', op: '>=', limit: 1 })
 * ratioTarget({ against: 'pg', better: 'higher', ratio: 'time', op: '<=', limit: 1.1 })
 * ratioTarget({ against: ['pg', 'postgres.js'], better: 'lower', ratio: 'value', op: '<=', limit: 1.1 })
 * ratioTarget({ against: 'pg', better: 'lower', ratio: 'paired', op: '<=', limit: 0.9 })
 * ```
 */
export function ratioTarget(spec: RatioSpec): Target {
  const what = spec.against === 'best' ? 'best peer' : typeof spec.against === 'string' ? spec.against : `best of ${spec.against.join(', ')}`
  const label = `${spec.ratio === 'time' ? 'time ' : ''}vs ${what} ${spec.op} ${spec.limit.toFixed(2)}`
  return {
    label,
    evaluate(cells) {
      const compared = comparison(cells, spec)
      if (compared === undefined) return undefined
      const { ratio, peer } = compared
      const meets = (r: number): boolean => (spec.op === '>=' ? r >= spec.limit : r <= spec.limit)
      const pass = meets(ratio)
      // Two decimals, or three when two would hide why it missed (0.998 shown as 1.00).
      const shown = meets(Number(ratio.toFixed(2))) === pass ? ratio.toFixed(2) : ratio.toFixed(3)
      return { pass, detail: `${spec.ratio === 'time' ? 'time ' : ''}${shown}× ${peer} (${spec.op} ${spec.limit.toFixed(2)})` }
    },
  }
}

/** liteorm's ratio to the peer `spec` names, and that peer; undefined when either figure is missing. */
function comparison(cells: RowCells, spec: RatioSpec): { ratio: number; peer: LibraryName } | undefined {
  const mine = cells.liteorm
  if (spec.ratio === 'paired') {
    if (typeof spec.against !== 'string' || spec.against === 'best') throw new Error('a paired target names the row\'s baseline')
    return mine?.ratio === undefined ? undefined : { ratio: mine.ratio, peer: spec.against }
  }
  const among = spec.against === 'best' ? undefined : typeof spec.against === 'string' ? [spec.against] : spec.against
  const peer = bestPeer(cells, spec.better, among)
  if (mine?.value === undefined || peer === undefined) return undefined
  return { ratio: spec.ratio === 'value' ? mine.value / peer.value : peer.value / mine.value, peer: peer.name }
}
