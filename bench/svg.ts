import type { BenchReport } from './report.js'
import { bestPeer, LIBRARIES, type LibraryName, type RowCells, type RowSpec } from './workloads/workload.js'

const COLORS: Readonly<Record<LibraryName, string>> = {
  liteorm: '#2563eb',
  pg: '#9ca3af',
  'pg-listen': '#f59e0b',
  'postgres.js': '#10b981',
  Kysely: '#8b5cf6',
  'better-sqlite3': '#ef4444',
  floor: '#78350f',
}

const PLOT = 640
/** Width of one character of a 12 px label, generously. */
const CHAR = 6.8
const BAR = 11
const GAP = 10
/** The x axis never runs past this relative performance; longer bars are clipped (▶). */
const CAP = 2

/**
 * A hand-written SVG bar chart of every numeric row: per library, its
 * performance relative to the best peer (in a row with a baseline, to the
 * baseline, round by round), oriented so that longer is better (value ÷
 * best for ↑ rows, best ÷ value for ↓ rows); 1.0 is the reference.
 * liteorm's bar is outlined green when all the row's targets are met, red
 * when one is missed.
 *
 * ### Examples
 *
 * ```ts
 * writeFileSync('bench/results.svg', renderSvg(report))
 * ```
 */
export function renderSvg(report: BenchReport): string {
  const body: string[] = []
  const bars = chartRows(report)
  const labelWidth = Math.ceil(Math.max(200, ...bars.map((b) => labelOf(b.row).length * CHAR)) + 16)
  const width = labelWidth + PLOT + 60
  const axisMax = Math.min(CAP, Math.max(1.25, Math.ceil(Math.max(...bars.flatMap((r) => r.bars.map((b) => b.relative))) * 4) / 4))
  const plotWidth = PLOT
  const x = (v: number): number => labelWidth + (Math.min(v, axisMax) / axisMax) * plotWidth
  let y = 56
  for (const { row, verdict, bars: libs } of bars) {
    const height = libs.length * (BAR + 2)
    body.push(text(labelWidth - 8, y + height / 2 + 4, labelOf(row), 'end', 12))
    libs.forEach(({ lib, relative }, i) => {
      const top = y + i * (BAR + 2)
      const stroke = lib === 'liteorm' && verdict !== undefined ? ` stroke="${verdict ? '#16a34a' : '#dc2626'}" stroke-width="2"` : ''
      body.push(`<rect x="${labelWidth}" y="${top}" width="${(x(relative) - labelWidth).toFixed(1)}" height="${BAR}" fill="${COLORS[lib]}"${stroke}/>`)
      body.push(text(x(relative) + 4, top + BAR - 1, `${relative.toFixed(2)}${relative > axisMax ? ' ▶' : ''}`, 'start', 10))
    })
    y += height + GAP
  }
  const height = y + 20
  const ticks = Array.from({ length: Math.round(axisMax / 0.25) + 1 }, (_, i) => i * 0.25)
  const grid = ticks.map(
    (v) =>
      `<line x1="${x(v)}" y1="44" x2="${x(v)}" y2="${y}" stroke="${v === 1 ? '#111827' : '#e5e7eb'}" stroke-width="${v === 1 ? 1.5 : 1}"/>` +
      text(x(v), y + 14, v.toFixed(2), 'middle', 10),
  )
  const legend = LIBRARIES.map((lib, i) => {
    const lx = labelWidth + i * 105
    return `<rect x="${lx}" y="24" width="10" height="10" fill="${COLORS[lib]}"/>${text(lx + 14, 33, lib, 'start', 11)}`
  })
  const title = `liteorm vs peers, relative to the best peer, or to raw pg in the CPU rows (longer is better; 1.0 = reference) — ${report.cores} cores, PostgreSQL ${report.postgres}`
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    text(12, 16, title, 'start', 13),
    ...legend,
    ...grid,
    ...body,
    '</svg>',
    '',
  ].join('\n')
}

interface ChartRow {
  readonly row: RowSpec
  /** All targets met (true), one missed (false), none or not measured (undefined). */
  readonly verdict: boolean | undefined
  readonly bars: readonly { lib: LibraryName; relative: number }[]
}

/** The rows worth a chart, each library's figure relative to the best peer or the baseline, longer = better. */
function chartRows(report: BenchReport): ChartRow[] {
  const rows: ChartRow[] = []
  for (const { workload, cells } of report.results) {
    for (const row of workload.rows) {
      if (row.ratios === false) continue
      const rowCells = cells[row.id] ?? {}
      const relative = relativeTo(row, rowCells)
      const libs = LIBRARIES.filter((l) => (row.only ?? workload.libraries).includes(l) && relative(l) !== undefined)
      if (libs.length === 0) continue
      const outcomes = row.targets.map((t) => t.evaluate(rowCells))
      const verdict = outcomes.length === 0 || outcomes.some((o) => o === undefined) ? undefined : outcomes.every((o) => o!.pass)
      const bars = libs.map((lib) => ({ lib, relative: relative(lib)! }))
      rows.push({ row, verdict, bars })
    }
  }
  return rows
}

/**
 * A library's figure in `row` relative to the best peer's, or to the
 * baseline's (the median of per-round ratios) in a row that has one,
 * oriented so that longer is better; undefined when it has none.
 */
function relativeTo(row: RowSpec, cells: RowCells): (lib: LibraryName) => number | undefined {
  const longer = (ratio: number): number => (row.better === 'higher' ? ratio : ratio === 0 ? CAP : 1 / ratio)
  if (row.baseline !== undefined) {
    return (lib) => {
      const ratio = cells[lib]?.ratio
      return ratio === undefined ? undefined : longer(ratio)
    }
  }
  const best = bestPeer(cells, row.better)
  return (lib) => {
    const value = cells[lib]?.value
    return value === undefined || best === undefined || best.value === 0 ? undefined : longer(value / best.value)
  }
}

function labelOf(row: RowSpec): string {
  return `${row.title} (${row.unit} ${row.better === 'higher' ? '↑' : '↓'})`
}

function text(x: number, y: number, content: string, anchor: 'start' | 'middle' | 'end', size: number): string {
  return `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" text-anchor="${anchor}" font-size="${size}" fill="#111827">${escapeXml(content)}</text>`
}

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
}
