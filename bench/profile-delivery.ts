/**
 * Where the client's CPU goes while it takes bulk
 * deliveries, raw pg against each liteorm consumer form. Each consumer runs
 * in a child process of its own under `node --cpu-prof`; the child records
 * the spans of its measured commits, and this script sums each function's
 * self time over the profile samples inside those spans, per notification.
 * The `.cpuprofile` files are kept, a directory per consumer (open them in
 * Chrome DevTools).
 *
 * ```sh
 * pnpm exec tsx --tsconfig tsconfig.source.json bench/profile-delivery.ts     # pg, receive, for await, subscribe
 * pnpm exec tsx --tsconfig tsconfig.source.json bench/profile-delivery.ts --forms=pg,subscribe --commits=20 --top=25
 * ```
 *
 * @module
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { providePostgres } from '@liteorm/testing'
import { selfTimes, type SelfTime, type Window } from './cpu-profile.js'
import { median } from './measure.js'
import { LITEORM_FORMS, listenIn } from './peers/liteorm-forms.js'
import type { NotifyPeer } from './peers/notify-peer.js'
import { rawPgPeer } from './peers/raw-pg.js'
import { adminClient } from './server.js'
import { Delivery, measureCommit } from './workloads/bulk-commit.js'

/** The consumers profiled: raw pg's `'notification'` callback and liteorm's forms. */
const CONSUMERS: Readonly<Record<string, NotifyPeer['listen']>> = {
  pg: rawPgPeer.listen,
  ...Object.fromEntries(LITEORM_FORMS.map((form) => [form, listenIn(form)])),
}

/** What a child reports besides its profile. */
interface ChildReport {
  readonly windows: readonly Window[]
  readonly notifications: number
  /** `process.cpuUsage()` per notification, median over the commits, in ns. */
  readonly cpuNs: number
}

interface Options {
  readonly forms: readonly string[]
  readonly count: number
  readonly commits: number
  readonly top: number
  readonly dir: string
}

const SCRIPT = fileURLToPath(import.meta.url)
const ROOT = fileURLToPath(new URL('..', import.meta.url))
/** Sampling interval in µs: a bulk commit takes tens of milliseconds of CPU. */
const INTERVAL_US = 500
/** The child's report, next to its profiles. */
const REPORT = 'report.json'

function parse(argv: readonly string[]): Options & { child?: string; url?: string } {
  const flags = new Map(argv.filter((a) => a.startsWith('--')).map((a) => a.slice(2).split('=', 2) as [string, string | undefined]))
  const known = new Set(['forms', 'count', 'commits', 'top', 'dir', 'child', 'url'])
  for (const name of flags.keys()) if (!known.has(name)) throw new Error(`unknown flag --${name}; known: ${[...known].join(', ')}`)
  const forms = flags.get('forms')?.split(',') ?? Object.keys(CONSUMERS)
  for (const form of forms) if (!(form in CONSUMERS)) throw new Error(`unknown form ${form}; known: ${Object.keys(CONSUMERS).join(', ')}`)
  const child = flags.get('child')
  return {
    forms,
    count: Number(flags.get('count') ?? 100_000),
    commits: Number(flags.get('commits') ?? 20),
    top: Number(flags.get('top') ?? 20),
    dir: flags.get('dir') ?? '/tmp/liteorm-delivery-profile',
    ...(child === undefined ? {} : { child, url: flags.get('url') }),
  }
}

/** In the child: listen in `form`, warm up, then measure `commits` commits, recording their spans. */
async function runChild(form: string, url: string, { count, commits }: Options): Promise<ChildReport> {
  const channel = 'bench_profile'
  const delivery = new Delivery()
  const sender = await adminClient(url)
  const listener = await CONSUMERS[form]!(url, [channel], delivery.onNotification)
  try {
    for (let k = 0; k < 3; k++) await measureCommit(sender, channel, delivery, count, `warm-up on ${form}`)
    const measured = []
    for (let k = 0; k < commits; k++) measured.push(await measureCommit(sender, channel, delivery, count, `profile on ${form}`))
    return { windows: measured.map((m) => m.window), notifications: count * commits, cpuNs: median(measured.map((m) => m.cpuNs))! }
  } finally {
    await listener.close()
    await sender.end()
  }
}

/** Runs one consumer in a child under `--cpu-prof` and sums its self times. */
function profile(form: string, url: string, options: Options): { report: ChildReport; times: SelfTime[] } {
  const dir = join(options.dir, form.replace(/\W+/g, '-'))
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  const args = [
    '--cpu-prof',
    `--cpu-prof-dir=${dir}`,
    `--cpu-prof-interval=${INTERVAL_US}`,
    '--import=tsx',
    SCRIPT,
    `--child=${form}`,
    `--url=${url}`,
    `--count=${options.count}`,
    `--commits=${options.commits}`,
    `--dir=${dir}`,
  ]
  // The packages' TypeScript sources, as `pnpm bench` runs them (tsconfig paths, no build).
  const env = { ...process.env, TSX_TSCONFIG_PATH: join(ROOT, 'tsconfig.source.json') }
  execFileSync(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'inherit', 'inherit'] })
  const report = JSON.parse(readFileSync(join(dir, REPORT), 'utf8')) as ChildReport
  // One profile per thread (tsx's module hooks run on a thread of their own): the main thread's is the largest.
  const profiles = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))
  const main = profiles.map((f) => ({ f, size: statSync(join(dir, f)).size })).sort((a, b) => b.size - a.size)[0]
  if (main === undefined) throw new Error(`no CPU profile in ${dir}`)
  return { report, times: selfTimes(join(dir, main.f), report.windows) }
}

function render(form: string, { report, times }: { report: ChildReport; times: SelfTime[] }, top: number): string {
  const perNotification = (us: number): number => (us * 1000) / report.notifications
  const busy = perNotification(times.reduce((sum, t) => sum + t.us, 0))
  const origins = new Map<string, number>()
  for (const t of times) origins.set(t.origin, (origins.get(t.origin) ?? 0) + t.us)
  const byOrigin = [...origins].sort((a, b) => b[1] - a[1]).map(([o, us]) => `${o} ${perNotification(us).toFixed(0)}`)
  return [
    `## ${form}: ${report.cpuNs.toFixed(0)} ns/notification of process CPU (cpuUsage, median of commits); ` +
      `main thread busy ${busy.toFixed(0)} ns/notification in the profile`,
    `by origin (ns/notification): ${byOrigin.join(', ')}`,
    '',
    '| self ns/notif | function |',
    '|---:|---|',
    ...times.slice(0, top).map((t) => `| ${perNotification(t.us).toFixed(1)} | \`${t.fn}\` |`),
  ].join('\n')
}

async function main(): Promise<void> {
  const options = parse(process.argv.slice(2))
  if (options.child !== undefined) {
    const report = await runChild(options.child, options.url!, options)
    writeFileSync(join(options.dir, REPORT), JSON.stringify(report))
    return
  }
  mkdirSync(options.dir, { recursive: true })
  const server = await providePostgres()
  try {
    const sections = options.forms.map((form) => {
      process.stderr.write(`profiling ${form}…\n`)
      return render(form, profile(form, server.url, options), options.top)
    })
    console.log(
      `# Bulk delivery profile: ${options.commits} commits of ${options.count.toLocaleString('en-US')} notifications per consumer, ` +
        `sampled every ${INTERVAL_US} µs; profiles in ${options.dir}\n\n${sections.join('\n\n')}`,
    )
  } finally {
    await server.stop()
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error)
  process.exitCode = 1
})
