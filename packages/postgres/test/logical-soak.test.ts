import { spawn, type ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { dropDurable, notify, open, sql } from '@liteorm/postgres'
import { admin, startEmbeddedPostgres } from '@liteorm/testing'
import { logicalUnsupported } from './logical-support.js'

const skip = await logicalUnsupported()
const root = fileURLToPath(new URL('../../../', import.meta.url))
const SOAK_MS = Number(process.env.SOAK_MS ?? 30_000)
const trace = (what: string): void => void (process.env.SOAK_TRACE && console.error(new Date().toISOString(), what))

/** A durable consumer process: what it printed, as `{ position, payload }`, in order. */
interface Consumer {
  readonly child: ChildProcess
  readonly received: { position: string; payload: string }[]
  readonly ready: Promise<void>
}

function startConsumer(url: string): Consumer {
  const script = fileURLToPath(new URL('fixtures/durable-consumer.ts', import.meta.url))
  const child = spawn(process.execPath, ['--import', 'tsx', script, url, 'soak', 'soak'], {
    cwd: root,
    env: { ...process.env, TSX_TSCONFIG_PATH: fileURLToPath(new URL('tsconfig.source.json', `file://${root}`)) },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  child.stderr!.on('data', (chunk: Buffer) => trace(`consumer ${child.pid}: ${chunk.toString()}`))
  child.once('exit', (code, signal) => trace(`consumer ${child.pid} exited: ${code} ${signal}`))
  const received: Consumer['received'] = []
  let onReady: () => void = () => {}
  const ready = new Promise<void>((resolve) => (onReady = resolve))
  createInterface({ input: child.stdout! }).on('line', (line) => {
    if (line === 'ready') return onReady()
    const space = line.indexOf(' ')
    received.push({ position: line.slice(0, space), payload: line.slice(space + 1) })
  })
  return { child, received, ready }
}

/** The end LSN of each committed logical message's transaction, by payload, read from an audit slot that saw the whole run. */
async function commitEnds(url: string): Promise<Map<string, bigint>> {
  const rows = await admin<{ data: Buffer }>(
    url,
    "select data from pg_logical_slot_peek_binary_changes('audit', null, null, 'proto_version', '1', 'publication_names', 'liteorm_messages', 'messages', 'true')",
  )
  const ends = new Map<string, bigint>()
  let pending: string[] = []
  for (const { data } of rows) {
    if (data[0] === 0x4d) {
      const prefixEnd = data.indexOf(0, 10)
      if (data.toString('utf8', 10, prefixEnd) === 'liteorm:soak') pending.push(data.toString('utf8', prefixEnd + 5))
    } else if (data[0] === 0x43) {
      for (const p of pending) ends.set(p, data.readBigUInt64BE(10))
      pending = []
    }
  }
  return ends
}

function lsn(text: string): bigint {
  const [hi, lo] = text.split('/')
  return (BigInt(`0x${hi}`) << 32n) | BigInt(`0x${lo}`)
}

describe.skipIf(skip !== undefined)(`logical transport: durable soak${skip === undefined ? '' : ` (skipped: ${skip})`}`, () => {
  it(
    'through walsender kills every second, a server restart and a consumer restart: 0 lost, in commit order, repeats only of unacknowledged ones',
    async () => {
      const server = await startEmbeddedPostgres()
      const db = open({ url: server.url, notifications: 'logical', max: 8 })
      const consumers: Consumer[] = []
      try {
        await db.exec(sql`create table commit_log (id bigserial primary key, payload text not null)`)
        await db.exec(sql`select pg_create_logical_replication_slot('audit', 'pgoutput')`)
        consumers.push(startConsumer(server.url))
        await consumers[0]!.ready

        let stop = false
        const senders = [0, 1, 2, 3].map(async (sender) => {
          for (let attempt = 0; !stop; attempt++) {
            try {
              await db.transaction(async (tx) => {
                // One commit at a time, so commit_log's ids give the commit order.
                await tx.exec(sql`select pg_advisory_xact_lock(15)`)
                await notify(tx, 'soak', `${sender}:${attempt}`)
                await tx.exec(sql`insert into commit_log (payload) values (${`${sender}:${attempt}`})`)
              })
            } catch {
              await sleep(50) // the server is restarting, or this backend was cut: try again
            }
          }
        })

        let confirmedAtKill = 0n
        const started = Date.now()
        let restarted = false
        let consumerRestarted = false
        let kills = 0
        while (Date.now() - started < SOAK_MS) {
          await sleep(1000)
          const elapsed = Date.now() - started
          if (!restarted && elapsed > 10_000) {
            restarted = true
            trace('pausing')
            await server.pause()
            trace('paused')
            await server.resume()
            trace('resumed')
            continue
          }
          if (!consumerRestarted && elapsed > 20_000) {
            consumerRestarted = true
            trace('killing consumer')
            const old = consumers[0]!
            const exited = old.child.exitCode === null ? new Promise((resolve) => old.child.once('exit', resolve)) : Promise.resolve()
            old.child.kill('SIGKILL')
            await exited
            await expect.poll(async () => (await admin(server.url, "select 1 from pg_replication_slots where slot_name = 'liteorm_soak' and active")).length, { timeout: 15_000 }).toBe(0)
            const [row] = await admin<{ lsn: string }>(server.url, "select confirmed_flush_lsn::text as lsn from pg_replication_slots where slot_name = 'liteorm_soak'")
            confirmedAtKill = lsn(row!.lsn)
            consumers.push(startConsumer(server.url))
            await consumers[1]!.ready
            trace('second consumer ready')
            continue
          }
          const killed = await admin(server.url, "select pg_terminate_backend(active_pid) from pg_replication_slots where slot_name = 'liteorm_soak' and active_pid is not null").catch(() => [])
          kills += killed.length
        }
        stop = true
        await Promise.all(senders)
        trace('senders stopped')

        const committed = (await db.query(sql<{ payload: string }>`select payload from commit_log order by id`)).map((r) => r.payload)
        const [first, second] = consumers as [Consumer, Consumer]
        await expect
          .poll(() => new Set([...first.received, ...second.received].map((r) => r.payload)).size, { timeout: 60_000, interval: 200 })
          .toBe(committed.length)

        const index = new Map(committed.map((p, i) => [p, i]))
        for (const consumer of consumers) {
          const order = consumer.received.map((r) => index.get(r.payload))
          expect(order.every((i) => i !== undefined)).toBe(true) // nothing that was not committed
          // Within one process: no repeats, no gaps, commit order.
          expect(order).toEqual(Array.from({ length: order.length }, (_, k) => order[0]! + k))
        }
        expect(first.received[0]!.payload).toBe(committed[0])
        const lastOfFirst = index.get(first.received.at(-1)!.payload)!
        const firstOfSecond = index.get(second.received[0]!.payload)!
        expect(firstOfSecond).toBeLessThanOrEqual(lastOfFirst + 1) // 0 lost across the consumer restart
        // What the second process repeats is exactly what the server had not been told was done with.
        const ends = await commitEnds(server.url)
        const repeated = committed.slice(firstOfSecond, lastOfFirst + 1)
        for (const p of repeated) expect(ends.get(p)! > confirmedAtKill).toBe(true)
        if (firstOfSecond > 0) expect(ends.get(committed[firstOfSecond - 1]!)! <= confirmedAtKill).toBe(true)
        expect(committed.length).toBeGreaterThan(500)
        expect(kills).toBeGreaterThan(10)
        console.log(`soak: ${committed.length} committed, ${kills} walsender kills, ${repeated.length} repeated after the consumer restart`)
      } finally {
        for (const c of consumers) c.child.kill('SIGKILL')
        await dropDurable(db, 'soak').catch(() => {})
        await db.close()
        await server.stop()
      }
    },
    150_000,
  )
})
