import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import { admin, startEmbeddedPostgres, type EmbeddedServer } from '@liteorm/testing'
import { listen, notify, NotifyQueueFullError, open, status, subscribe, type ListenerEvent, type PostgresDB } from '@liteorm/postgres'
import { EventLog } from '../../../test/listener-probe.js'

// A server whose cluster-wide notification queue is small (1024 pages of
// 8 kB), so that one listener that stops reading fills it. Not the smallest
// PostgreSQL allows (64): the server frees the queue in segments of 32 pages,
// so at 64 pages a full queue may report a usage under one half.
let server: EmbeddedServer
let db: PostgresDB<unknown>
let watched: PostgresDB<unknown>
beforeAll(async () => {
  server = await startEmbeddedPostgres({ settings: { max_notify_queue_pages: 1024 } })
  db = open(server.url)
  watched = open({ url: server.url, application_name: 'queue-monitor' })
}, 60_000)
afterAll(async () => {
  await db?.close()
  await watched?.close()
  await server?.stop()
})

/** Waits until `check()` resolves true, polling; fails after `ms`. */
async function until(check: () => Promise<boolean>, what: string, ms = 15_000): Promise<void> {
  for (const deadline = Date.now() + ms; !(await check()); ) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

const payload = 'x'.repeat(7000)

/** Sends on `channel` until the queue is full (or `done()`); returns how many were committed and the error that stopped it. */
async function fill(channel: string, done = (): boolean => false): Promise<{ sent: number; full: unknown }> {
  let sent = 0
  while (sent < 20_000 && !done()) {
    try {
      await notify(db, channel, `${sent}:${payload}`)
      sent++
    } catch (error) {
      return { sent, full: error }
    }
  }
  return { sent, full: undefined }
}

function usageEvents(log: EventLog): Extract<ListenerEvent, { type: 'queue-usage' }>[] {
  return log.events.filter((e): e is Extract<ListenerEvent, { type: 'queue-usage' }> => e.type === 'queue-usage')
}

describe('queue health', () => {
  it('a listener that stops reading fills the queue: onEvent hears 50 % and 90 % once each, status shows it paused with its backlog, notify rejects with NotifyQueueFullError; reading resumes and everything sent before arrives', async () => {
    const log = new EventLog()
    const monitor = await listen(watched, 'quiet', { healthCheckMs: 500, onEvent: log.record })
    const stuck = await listen(db, 'fill', { maxBuffered: 1 }) // stops reading its socket after one notification
    onTestFinished(() => Promise.all([monitor.close(), stuck.close()]).then(() => undefined))
    const { sent, full } = await fill('fill')
    expect(full).toBeInstanceOf(NotifyQueueFullError)
    await log.next('queue-usage', 2)
    expect(usageEvents(log).map((e) => e.level)).toEqual([0.5, 0.9])
    for (const e of usageEvents(log)) expect(e.usage).toBeGreaterThanOrEqual(e.level)
    await monitor.ping() // a probe samples the usage too: still full, nothing new to tell
    await monitor.ping()
    expect(log.count('queue-usage')).toBe(2)

    const report = await status(db)
    expect(report.queueUsage).toBeGreaterThan(0.9)
    expect(report.listeners).toHaveLength(1)
    expect(report.listeners[0]).toMatchObject({ channels: ['fill'], connected: true, paused: true, reconnects: 0 })
    expect(report.listeners[0]!.buffered).toBeGreaterThanOrEqual(1) // what the chunk that paused it held
    expect(report.subscriptions).toBeUndefined()

    for (let i = 0; i < sent; i++) {
      const n = await stuck.receive(AbortSignal.timeout(10_000))
      expect(n.payload.slice(0, n.payload.indexOf(':'))).toBe(String(i))
    }
    const after = await status(db)
    expect(after.listeners[0]).toMatchObject({ paused: false, buffered: 0, received: sent })
    await stuck.close()

    // Re-armed once usage falls below: filling to half again is told again, once.
    await until(async () => {
      await notify(db, 'nobody', 'nudge') // the queue's tail moves on when a later statement runs
      return (await status(db)).queueUsage < 0.1
    }, 'the queue to drain')
    await monitor.ping() // samples the drained queue: re-armed
    expect(log.count('queue-usage')).toBe(2)
    const again = await listen(db, 'again', { maxBuffered: 1 })
    onTestFinished(() => again.close())
    await fill('again', () => log.count('queue-usage') > 2) // may fill it up before a health check samples
    await log.next('queue-usage', 3)
    expect(usageEvents(log).map((e) => e.level).slice(0, 3)).toEqual([0.5, 0.9, 0.5])
    await again.close()
    await monitor.close()
  })

  it('status reflects a reconnect, and the time of the last connection event', async () => {
    const log = new EventLog()
    const l = await listen(watched, 'reconnecting', { onEvent: log.record })
    onTestFinished(() => l.close())
    const first = (await status(watched)).listeners.at(-1)!
    expect(first).toMatchObject({ connected: true, reconnects: 0, channels: ['reconnecting'], paused: false, buffered: 0 })
    expect(first.lastEventAt).toBeInstanceOf(Date)
    // The listener's backend only (its last statement was its LISTEN), not the pool's idle connections.
    const killed = await admin<{ ok: boolean }>(
      server.url,
      "select pg_terminate_backend(pid) as ok from pg_stat_activity where application_name = 'queue-monitor' and query ilike 'listen %'",
    )
    expect(killed).toEqual([{ ok: true }])
    await log.next('reconnected')
    const later = (await status(watched)).listeners.at(-1)!
    expect(later).toMatchObject({ connected: true, reconnects: 1 })
    expect(later.lastEventAt!.getTime()).toBeGreaterThanOrEqual(first.lastEventAt!.getTime())
    await notify(db, 'reconnecting', 'one')
    await notify(db, 'reconnecting', 'two')
    await until(async () => (await status(watched)).listeners.at(-1)!.buffered === 2, 'two buffered')
    expect((await status(watched)).listeners.at(-1)!.received).toBe(2)
    expect(l.status).toEqual((await status(watched)).listeners.at(-1)) // the same, on the listener itself
    await l.close()
    expect((await status(watched)).listeners).toEqual([])
  })

  it("status reports the subscriptions' shared listener and their buffered messages", async () => {
    const s = await subscribe(db, 'subs')
    onTestFinished(() => s.close())
    await notify(db, 'subs', 'waiting')
    await until(async () => (await status(db)).subscriptions?.buffered === 1, 'one buffered message')
    const { subscriptions, listeners } = await status(db)
    expect(subscriptions).toMatchObject({ subscribers: 1, channels: ['subs'], buffered: 1 })
    expect(subscriptions!.listener).toMatchObject({ connected: true, channels: ['subs'], reconnects: 0 })
    expect(listeners).toEqual([]) // the shared listener is reported once, under subscriptions
    await s.close()
  })
})
