/**
 * Client CPU per notification of each consumer, without the server: a bulk
 * commit's bytes are recorded once off a real listener's socket, then
 * replayed, in chunks of the sizes the socket delivered (cut back to a
 * message boundary, so that the connection's own traffic cannot land inside
 * a message; one chunk per macrotask, holding off while the consumer has
 * paused the socket), into a
 * live connection of each consumer — raw pg's `'notification'` callback and
 * liteorm's three forms. Every consumer runs its real code from the socket's
 * `'data'` event on; only the server's work and the kernel's reads are left
 * out, so the figures are lower than `pnpm bench`'s and the ratios sharper.
 * Rounds interleave the consumers in a rotating order; per consumer: the
 * median over rounds of its ratio to raw pg in the same round, and the
 * interquartile range of those ratios.
 *
 * It also measures floors, on the same recorded notifications: a bare
 * `for await` over an async generator of an already-filled array, the same
 * over a minimal queue iterator returning resolved promises, a callback per
 * item, and the two decoders (pg's parser, liteorm's tap) with nothing
 * behind them.
 *
 * ```sh
 * pnpm exec tsx --tsconfig tsconfig.source.json bench/replay-delivery.ts                     # 15 rounds
 * pnpm exec tsx --tsconfig tsconfig.source.json bench/replay-delivery.ts --rounds=31 --only=pg,subscribe
 * node --cpu-prof --import tsx bench/replay-delivery.ts --only=subscribe                     # TSX_TSCONFIG_PATH=tsconfig.source.json
 * ```
 *
 * @module
 */
import { writeFileSync } from 'node:fs'
import { Socket } from 'node:net'
import { PerformanceObserver } from 'node:perf_hooks'
import { providePostgres } from '@liteorm/testing'
import { NotificationTap } from '../packages/postgres/src/notification-tap.js'
import type { Window } from './cpu-profile.js'
import { NotificationQueue } from '../packages/core/src/notification-queue.js'
import { fullGc, median, percentile, within } from './measure.js'
import { LITEORM_FORMS, listenIn } from './peers/liteorm-forms.js'
import type { BenchListener } from './peers/notify-peer.js'
import { rawPgPeer } from './peers/raw-pg.js'
import { adminClient, sendInOneCommit } from './server.js'
import { Delivery } from './workloads/bulk-commit.js'

const CHANNEL = 'bench_replay'

interface Options {
  readonly count: number
  readonly rounds: number
  readonly only: readonly string[] | undefined
  /** Where to write each consumer's measured spans, for `cpu-profile.ts`'s `selfTimes`. */
  readonly windows: string | undefined
}

function parse(argv: readonly string[]): Options {
  const flags = new Map(argv.filter((a) => a.startsWith('--')).map((a) => a.slice(2).split('=', 2) as [string, string | undefined]))
  for (const name of flags.keys()) if (!['count', 'rounds', 'only', 'windows'].includes(name)) throw new Error(`unknown flag --${name}; known: count, rounds, only, windows`)
  return {
    count: Number(flags.get('count') ?? 100_000),
    rounds: Number(flags.get('rounds') ?? 15),
    only: flags.get('only')?.split(','),
    windows: flags.get('windows'),
  }
}

/** The chunks a real listener's socket delivered for one commit of `count` notifications. */
async function record(url: string, count: number): Promise<Buffer[]> {
  const chunks: Buffer[] = []
  const delivery = new Delivery()
  const listener = await rawPgPeer.listen(url, [CHANNEL], delivery.onNotification)
  const socket = newSocketOf(listener)
  socket.prependListener('data', (chunk: Buffer) => chunks.push(Buffer.from(chunk)))
  const sender = await adminClient(url)
  try {
    const expected = delivery.expect(count)
    await sendInOneCommit(sender, [CHANNEL], count)
    await within(expected.finished(), 60_000, 'recording')
  } finally {
    await sender.end()
    await listener.close()
  }
  return aligned(chunks)
}

/**
 * The same bytes in chunks of at most the recorded sizes, each ending on a
 * message boundary: the connection's own traffic (a health check's answer)
 * may come between two replayed chunks, and must not land inside a message.
 */
function aligned(chunks: readonly Buffer[]): Buffer[] {
  const all = Buffer.concat(chunks)
  const out: Buffer[] = []
  let start = 0
  for (const chunk of chunks) {
    let end = start
    for (;;) {
      const next = end + 1 + all.readUInt32BE(end + 1)
      if (next - start > chunk.length || next > all.length) break
      end = next
    }
    if (end === start) break
    out.push(all.subarray(start, end))
    start = end
  }
  if (start < all.length) out.push(all.subarray(start))
  return out
}

/** Sockets opened since the last call: how a consumer's connection is found without reaching into it. */
let known = new Set<unknown>()
function newSockets(): Socket[] {
  const handles = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles()
  const fresh = handles.filter((h): h is Socket => h instanceof Socket && !known.has(h))
  known = new Set(handles)
  return fresh
}
function newSocketOf(_listener: BenchListener): Socket {
  // The listener's connection is the one socket read by a single 'data' listener among those it opened.
  const candidates = newSockets().filter((s) => s.listenerCount('data') === 1)
  const tapped = candidates.filter((s) => s.listeners('data')[0]!.name === 'write')
  const socket = tapped[0] ?? candidates[0]
  if (socket === undefined) throw new Error('no socket found for the listener')
  return socket
}

const nextMacrotask = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

/** Replays `chunks` into `socket` as reads would come, and resolves with the process CPU (ns) per notification. */
async function replay(socket: Socket, delivery: Delivery, chunks: readonly Buffer[], count: number, window?: Window[]): Promise<number> {
  const expected = delivery.expect(count)
  fullGc()
  const startUs = hrtimeUs()
  const cpu = process.cpuUsage()
  for (const chunk of chunks) {
    while (socket.isPaused()) await nextMacrotask()
    socket.emit('data', chunk)
    await nextMacrotask()
  }
  const last = await within(expected.finished(), 10_000, `replay (${expected.received()} of ${count}, paused ${socket.isPaused()})`)
  const used = process.cpuUsage(cpu)
  window?.push({ startUs, endUs: hrtimeUs() })
  if (last.payload !== String(count)) throw new Error(`replay: last payload ${last.payload}, expected ${count}`)
  return ((used.user + used.system) * 1000) / count
}

function hrtimeUs(): number {
  return Number(process.hrtime.bigint() / 1000n)
}

/** A synchronous floor: CPU ns per item of `run`, which handles `count` items. */
async function floor(run: () => unknown, count: number, window?: Window[]): Promise<number> {
  fullGc()
  const startUs = hrtimeUs()
  const cpu = process.cpuUsage()
  await run()
  const used = process.cpuUsage(cpu)
  window?.push({ startUs, endUs: hrtimeUs() })
  return ((used.user + used.system) * 1000) / count
}

/** The floors, each a function handling the recorded notifications once. */
function floors(chunks: readonly Buffer[], count: number, delivery: Delivery): Record<string, () => Promise<void> | void> {
  // Decoded here, not by liteorm's tap: holding 100 000 of its notifications
  // would teach V8 to allocate them in old space (allocation-site
  // pretenuring), and every consumer measured after would pay for it.
  const items: { channel: string; payload: string; pid: number }[] = []
  const all = Buffer.concat(chunks)
  for (let at = 0; at < all.length; at += 1 + all.readUInt32BE(at + 1)) {
    const channelEnd = all.indexOf(0, at + 9)
    items.push({ channel: all.toString('utf8', at + 9, channelEnd), payload: all.toString('utf8', channelEnd + 1, at + all.readUInt32BE(at + 1)), pid: all.readInt32BE(at + 5) })
  }
  if (items.length !== count) throw new Error(`decoded ${items.length} of ${count}`)
  const expectAll = (): void => void delivery.expect(count)
  return {
    'floor: callback per item': () => {
      expectAll()
      for (const n of items) delivery.onNotification(n.channel, n.payload)
    },
    'floor: for await over an async generator of a filled array': async () => {
      expectAll()
      async function* generate(): AsyncGenerator<(typeof items)[number]> {
        for (const n of items) yield n
      }
      for await (const n of generate()) delivery.onNotification(n.channel, n.payload)
    },
    'floor: for await over a minimal queue (resolved promises)': async () => {
      expectAll()
      let i = 0
      const queue: AsyncIterableIterator<(typeof items)[number]> = {
        next: () => (i < items.length ? Promise.resolve({ done: false, value: items[i++]! }) : Promise.resolve({ done: true, value: undefined })),
        [Symbol.asyncIterator]: () => queue,
      }
      for await (const n of queue) delivery.onNotification(n.channel, n.payload)
    },
    'floor: await per item (receive-loop shape)': async () => {
      expectAll()
      for (const n of items) delivery.onNotification((await n).channel, n.payload)
    },
    'floor: tap + queue + receive loop': async () => {
      expectAll()
      const q = new NotificationQueue({ highWaterMark: 1e9, lowWaterMark: 0 })
      const tap = new NotificationTap((n) => q.push(n), () => undefined)
      const done = (async () => {
        for (let i = 0; i < count; i++) {
          const n = await q.receive()
          delivery.onNotification(n.channel, n.payload)
        }
      })()
      for (const chunk of chunks) {
        tap.write(chunk)
        await nextMacrotask()
      }
      await done
    },
    'floor: liteorm tap decode only': () => {
      const tap = new NotificationTap(() => undefined, () => undefined)
      for (const chunk of chunks) tap.write(chunk)
    },
  }
}

interface Subject {
  readonly name: string
  readonly socket: Socket
  readonly delivery: Delivery
  readonly listener: BenchListener
}

/** Young-generation collections (scavenges), on the clock of the windows. */
const scavenges: { startUs: number; ms: number }[] = []
const MINOR_GC = 1 // perf_hooks' NODE_PERFORMANCE_GC_MINOR
const clockOrigin = Number(process.hrtime.bigint() / 1000n) - performance.now() * 1000
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    if ((e as unknown as { detail: { kind: number } }).detail.kind === MINOR_GC) scavenges.push({ startUs: clockOrigin + e.startTime * 1000, ms: e.duration })
  }
}).observe({ entryTypes: ['gc'] })

/** Time in scavenges that started inside `windows`, per notification (ns). */
function scavengeNs(windows: readonly Window[], count: number): number {
  const ms = scavenges.filter((g) => windows.some((w) => g.startUs >= w.startUs && g.startUs < w.endUs)).reduce((sum, g) => sum + g.ms, 0)
  return (ms * 1e6) / (windows.length * count)
}

async function main(): Promise<void> {
  const options = parse(process.argv.slice(2))
  const server = await providePostgres()
  const subjects: Subject[] = []
  try {
    const chunks = await record(server.url, options.count)
    const sizes = chunks.map((c) => c.length)
    console.log(`recorded ${options.count} notifications in ${chunks.length} chunks (median ${median(sizes)} bytes, max ${Math.max(...sizes)})`)
    newSockets()
    const consumers = { pg: rawPgPeer.listen, ...Object.fromEntries(LITEORM_FORMS.map((f) => [f, listenIn(f)])) }
    for (const [name, listen] of Object.entries(consumers)) {
      if (options.only !== undefined && name !== 'pg' && !options.only.includes(name)) continue
      const delivery = new Delivery()
      const listener = await listen(server.url, [CHANNEL], delivery.onNotification)
      subjects.push({ name, delivery, listener, socket: newSocketOf(listener) })
    }
    const floorRuns = Object.entries(floors(chunks, options.count, new Delivery())).filter(() => options.only === undefined || options.only.includes('floors'))
    // Warm-up: every path compiled before timing.
    for (let k = 0; k < 3; k++) {
      for (const s of subjects) await replay(s.socket, s.delivery, chunks, options.count)
      for (const [, run] of floorRuns) await floor(run, options.count)
    }
    const windows = new Map<string, Window[]>()
    const windowsOf = (name: string): Window[] => windows.get(name) ?? windows.set(name, []).get(name)!
    const figures = new Map<string, number[]>()
    const ratios = new Map<string, number[]>()
    for (let round = 0; round < options.rounds; round++) {
      const measured = new Map<string, number>()
      for (let k = 0; k < subjects.length; k++) {
        const s = subjects[(k + round) % subjects.length]!
        measured.set(s.name, await replay(s.socket, s.delivery, chunks, options.count, windowsOf(s.name)))
      }
      for (const [name, run] of floorRuns) measured.set(name, await floor(run, options.count, windowsOf(name)))
      const baseline = measured.get('pg')!
      for (const [name, ns] of measured) {
        ;(figures.get(name) ?? figures.set(name, []).get(name)!).push(ns)
        ;(ratios.get(name) ?? ratios.set(name, []).get(name)!).push(ns / baseline)
      }
    }
    console.log(`\n${options.rounds} rounds; process CPU ns per notification (median); ratio to raw pg in the same round: median and IQR; time in young-generation GC\n`)
    console.log('| consumer | ns/notif | ratio to pg | IQR | scavenges ns/notif |\n|---|---:|---:|---|---:|')
    for (const [name, values] of figures) {
      const r = ratios.get(name)!
      const gc = scavengeNs(windowsOf(name), options.count).toFixed(0)
      console.log(`| ${name} | ${median(values)!.toFixed(0)} | ${median(r)!.toFixed(3)} | ${percentile(r, 25).toFixed(2)}–${percentile(r, 75).toFixed(2)} | ${gc} |`)
    }
    if (options.windows !== undefined) writeFileSync(options.windows, JSON.stringify(Object.fromEntries(windows)))
  } finally {
    for (const s of subjects) await s.listener.close()
    await server.stop()
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error)
  process.exitCode = 1
})
