import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

/** The parts of a V8 `.cpuprofile` (what `node --cpu-prof` writes) read here. */
interface CpuProfile {
  readonly nodes: readonly {
    readonly id: number
    readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number; readonly columnNumber: number }
  }[]
  /** Microseconds, on the same clock as `process.hrtime` on Linux. */
  readonly startTime: number
  readonly samples: readonly number[]
  readonly timeDeltas: readonly number[]
}

/** A span of the profiled process's life, in microseconds of `process.hrtime`. */
export interface Window {
  readonly startUs: number
  readonly endUs: number
}

/** Self time of one function (or V8 category such as `(garbage collector)`) inside the windows. */
export interface SelfTime {
  /** `name file:line`, the file relative to the repository (or `pkg@version/path` inside node_modules). */
  readonly fn: string
  /** Where it comes from: a package name, `liteorm/<package>`, `node`, `bench`, or `v8` for categories. */
  readonly origin: string
  readonly us: number
}

const ROOT = fileURLToPath(new URL('..', import.meta.url))

/** V8's pseudo-frames: time not spent in a JavaScript function. `(idle)` is the thread waiting for I/O. */
const CATEGORIES = new Set(['(garbage collector)', '(program)', '(idle)', '(root)'])

/**
 * Reads a `.cpuprofile` and sums each function's self time over the samples
 * taken inside `windows` (a sample counts for the time until the next one),
 * largest first. `(idle)` is left out: it is the thread waiting, not working.
 *
 * ### Examples
 *
 * ```ts
 * const top = selfTimes('/tmp/prof/pg.cpuprofile', [{ startUs, endUs }]).slice(0, 10)
 * ```
 */
export function selfTimes(file: string, windows: readonly Window[]): SelfTime[] {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile
  const frames = new Map(profile.nodes.map((n) => [n.id, n.callFrame]))
  const totals = new Map<string, SelfTime>()
  let at = profile.startTime
  for (let i = 0; i < profile.samples.length; i++) {
    at += profile.timeDeltas[i]!
    const us = profile.timeDeltas[i + 1] ?? 0
    if (!windows.some((w) => at >= w.startUs && at < w.endUs)) continue
    const frame = frames.get(profile.samples[i]!)!
    if (frame.functionName === '(idle)') continue
    const { fn, origin } = describe(frame)
    const entry = totals.get(fn)
    totals.set(fn, { fn, origin, us: (entry?.us ?? 0) + us })
  }
  return [...totals.values()].sort((a, b) => b.us - a.us)
}

/** A frame's display name and origin. */
function describe(frame: CpuProfile['nodes'][number]['callFrame']): { fn: string; origin: string } {
  const name = frame.functionName === '' ? '(anonymous)' : frame.functionName
  if (CATEGORIES.has(name)) return { fn: name, origin: 'v8' }
  const url = frame.url.replace(/^file:\/\//, '')
  if (url === '' || url.startsWith('node:')) return { fn: `${name} ${url || '(native)'}`, origin: 'node' }
  const installed = /node_modules\/\.pnpm\/[^/]+\/node_modules\/((?:@[^/]+\/)?[^/]+)\/(.*)$/.exec(url)
  if (installed !== null) return { fn: `${name} ${installed[1]}/${installed[2]}:${frame.lineNumber + 1}`, origin: installed[1]! }
  const local = url.startsWith(ROOT) ? url.slice(ROOT.length) : url
  const pkg = /^packages\/([^/]+)\//.exec(local)
  // tsx runs our TypeScript sources as one line each: a column tells anonymous functions apart there.
  const place = frame.lineNumber > 0 ? `:${frame.lineNumber + 1}` : name === '(anonymous)' ? `@${frame.columnNumber}` : ''
  return { fn: `${name} ${local}${place}`, origin: pkg === null ? local.split('/')[0]! : `liteorm/${pkg[1]}` }
}
