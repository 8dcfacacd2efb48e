import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { open, sql, subscribe, subscriptionStatus, type PostgresDB, type PostgresSubscription } from '@liteorm/postgres'
import { expectNoBackends } from '../../../test/listener-probe.js'
import { admin } from '@liteorm/testing'
import { useDatabase } from '@liteorm/testing/vitest'

let url: string
let sender: PostgresDB<unknown>
beforeAll(async () => {
  url = await useDatabase('subscribe_scale')
  sender = open(url)
})
afterAll(() => sender.close())

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

function liveHeap(): number {
  if (global.gc === undefined) throw new Error('run with --expose-gc (vitest.config.ts sets it)')
  global.gc()
  return process.memoryUsage().heapUsed
}

async function backendsOf(app: string): Promise<number> {
  return (await admin<{ n: number }>(url, 'select count(*)::int as n from pg_stat_activity where application_name = $1', [app]))[0]!.n
}

describe('subscriptions at scale', () => {
  it('10 000 subscribers across 1 000 channels use exactly one PostgreSQL connection, and every one gets every notification', async () => {
    const app = 'sub-scale'
    const db = open({ connectionString: url, application_name: app })
    const CHANNELS = 1000
    const PER_CHANNEL = 10
    const ROUNDS = 5
    const before = liveHeap()
    const received = new Uint32Array(CHANNELS * PER_CHANNEL)
    const subscribed = performance.now()
    const subs = await Promise.all(
      Array.from({ length: CHANNELS * PER_CHANNEL }, (_, i) =>
        subscribe(db, `scale_${i % CHANNELS}`, () => {
          received[i]!++
        }),
      ),
    )
    const subscribeMs = performance.now() - subscribed
    const perSubscriber = (liveHeap() - before) / subs.length
    expect(await backendsOf(app)).toBe(1)
    const status = await subscriptionStatus(db)
    expect(status.subscribers).toBe(10_000)
    expect(new Set(status.serverChannels)).toEqual(new Set(status.channels))
    expect(status.serverChannels).toHaveLength(CHANNELS)

    const sent = performance.now()
    await sender.exec(sql`select pg_notify('scale_' || (g % ${CHANNELS}), g::text) from generate_series(0, ${CHANNELS * ROUNDS - 1}) g`)
    const deadline = Date.now() + 30_000
    while (received.some((n) => n < ROUNDS) && Date.now() < deadline) await sleep(5)
    const deliverMs = performance.now() - sent
    expect(received.every((n) => n === ROUNDS)).toBe(true)
    const deliveries = subs.length * ROUNDS
    console.log(
      `subscriptions at scale: ${subs.length} subscribers on ${CHANNELS} channels over 1 connection; ` +
        `subscribed in ${subscribeMs.toFixed(0)} ms; ${deliveries} deliveries of ${CHANNELS * ROUNDS} notifications in ${deliverMs.toFixed(0)} ms ` +
        `(${Math.round(deliveries / (deliverMs / 1000))} deliveries/s); ${(perSubscriber / 1024).toFixed(2)} KiB heap per subscriber`,
    )
    expect(await backendsOf(app)).toBe(1)
    await Promise.all(subs.map((s) => s.close()))
    expect(await subscriptionStatus(db)).toEqual({ subscribers: 0, channels: [], serverChannels: [] })
    await db.close()
    await expectNoBackends(url, app)
  }, 90_000)

  it('subscribing and unsubscribing concurrently with a steady notify stream (10 subscribers × 5 cycles) loses nothing for subscriptions that stayed, and the server LISTEN set equals the live set at every quiet point', async () => {
    const app = 'sub-stress'
    const db = open({ connectionString: url, application_name: app })
    const steadyChannels = ['stress_a', 'stress_b']
    const churnOnly = ['churn_x', 'churn_y', 'churn_z'] // LISTENed and UNLISTENed as churners come and go
    const all = [...steadyChannels, ...churnOnly]
    const steady = new Map<string, number[]>()
    const steadySubs: PostgresSubscription[] = []
    for (const c of steadyChannels) {
      const seen: number[] = []
      steady.set(c, seen)
      steadySubs.push(await subscribe(db, c, (m) => void seen.push(Number(m.payload))))
    }
    let stop = false
    let sent = 0
    const sending = (async () => {
      while (!stop) {
        sent++
        await sender.exec(sql`select pg_notify(c, ${String(sent)}) from unnest(${all}::text[]) c`)
        await sleep(1)
      }
    })()

    const gaps: string[] = []
    const quietChecks: { channels: string[]; server: string[] }[] = []
    const quietPoint = async (): Promise<void> => {
      const s = await subscriptionStatus(db)
      quietChecks.push({ channels: [...s.channels].sort(), server: [...s.serverChannels].sort() })
    }
    for (let cycle = 0; cycle < 5; cycle++) {
      const seen = Array.from({ length: 10 }, () => [] as number[])
      const subs = await Promise.all(
        seen.map((log, id) => subscribe(db, all[(id + cycle) % all.length]!, (m) => void log.push(Number(m.payload)))),
      )
      await quietPoint()
      await sleep(30 + Math.random() * 50)
      await Promise.all(subs.map((sub, id) => (id % 2 === 0 ? sub.close() : sleep(Math.random() * 20).then(() => sub.close()))))
      await quietPoint()
      seen.forEach((log, id) => {
        for (let i = 1; i < log.length; i++) if (log[i] !== log[i - 1]! + 1) gaps.push(`subscriber ${id} cycle ${cycle}: ${log[i - 1]} → ${log[i]}`)
        if (log.length === 0) gaps.push(`subscriber ${id} cycle ${cycle} received nothing`)
      })
    }
    stop = true
    await sending
    const deadline = Date.now() + 10_000 // every notification sent has reached the steady subscribers' handlers
    while ([...steady.values()].some((seen) => seen.length < sent) && Date.now() < deadline) await sleep(5)
    for (const [c, seen] of steady) {
      expect(seen, `${c}: every notification, in order`).toEqual(Array.from({ length: sent }, (_, i) => i + 1))
    }
    expect(gaps).toEqual([])
    expect(quietChecks).toHaveLength(10)
    for (const check of quietChecks) expect(check.server).toEqual(check.channels)
    expect(quietChecks.at(-1)!.channels).toEqual(steadyChannels)
    console.log(`subscription churn: ${sent} notifications per channel, 50 subscribe/close cycles over ${all.length} channels, 0 gaps`)
    await Promise.all(steadySubs.map((s) => s.close()))
    await db.close()
    await expectNoBackends(url, app)
  }, 60_000)
})
