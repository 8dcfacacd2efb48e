import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ClosedError, listen, notify, open, subscribe, type PostgresDB, type PostgresSubscription, type SubscriptionReset } from '@liteorm/postgres'
import { FaultProxy } from '../../../test/fault-proxy.js'
import { EventLog } from '../../../test/listener-probe.js'
import { admin } from '@liteorm/testing'
import { useDatabase } from '@liteorm/testing/vitest'

// Races between subscribing, closing the DB and outages, found from outside
// (issue 12): each test pins what a caller must be able to rely on.
let url: string
let sender: PostgresDB<unknown>
beforeAll(async () => {
  url = await useDatabase('subscribe_races')
  sender = open(url)
})
afterAll(() => sender.close())

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

/** Backends of `app` on the server now: read once, no waiting. */
async function backendsOf(app: string): Promise<number> {
  return (await admin<{ n: number }>(url, 'select count(*)::int as n from pg_stat_activity where application_name = $1', [app]))[0]!.n
}

describe('db.close() racing subscribe', () => {
  it('subscribe() followed by db.close() in the same tick rejects with ClosedError and leaves no connection', async () => {
    for (let i = 0; i < 5; i++) {
      const app = `race-same-tick-${i}`
      const db = open({ connectionString: url, application_name: app })
      const subscribing = subscribe(db, 'same_tick', () => undefined)
      const closing = db.close()
      await expect(subscribing).rejects.toBeInstanceOf(ClosedError)
      await closing
      expect(await backendsOf(app)).toBe(0)
    }
  })

  it('db.close() resolving means every connection it owns is closed, an in-flight subscribe or listen included', async () => {
    for (const delayMs of [0, 1, 3, 5, 10, 20, 40]) {
      const app = `race-in-flight-${delayMs}`
      const db = open({ connectionString: url, application_name: app })
      const subscribing = subscribe(db, 'in_flight', () => undefined).catch((e: unknown) => e)
      const listening = listen(db, 'in_flight').catch((e: unknown) => e)
      await sleep(delayMs)
      await db.close()
      expect(await backendsOf(app), `backends right after close (close ${delayMs} ms after subscribing)`).toBe(0)
      const [s, l] = await Promise.all([subscribing, listening])
      // Either it made it before the close (and was ended by it) or it was refused: never a live one.
      if (!(s instanceof ClosedError)) expect((s as PostgresSubscription).started).toBe(false)
      if (!(l instanceof ClosedError)) await expect((l as { receive(): Promise<unknown> }).receive()).rejects.toBeInstanceOf(ClosedError)
    }
  })
})

describe('subscribing during an outage', () => {
  it('the subscribing onReset runs once, after LISTEN is in place on the new connection: a notification sent from it is heard', async () => {
    const proxy = await FaultProxy.forUrl(url)
    const db = open({ connectionString: proxy.rewrite(url), application_name: 'race-outage' })
    try {
      const events = new EventLog()
      const first = await subscribe(db, 'outage_first')
      // Watch the shared connection's events through a listener of our own on the same proxy.
      const watcher = await listen(db, 'outage_watch', { onEvent: events.record, reconnect: { minDelayMs: 50, maxDelayMs: 100 } })
      proxy.refuse()
      proxy.reset()
      await events.next('connect-failed')
      const resets: SubscriptionReset[] = []
      const subscribing = subscribe(db, 'outage_late', {
        onReset: async (r) => {
          resets.push(r)
          await notify(sender, 'outage_late', 'sent from onReset')
        },
      })
      await sleep(300)
      expect(resets, 'no onReset while LISTEN cannot be in place').toEqual([])
      proxy.restore()
      const late = await subscribing
      expect((await late.receive(AbortSignal.timeout(10_000))).payload).toBe('sent from onReset')
      expect(resets).toEqual([{ reconnected: false, channels: ['outage_late'], dropped: 0 }])
      await notify(sender, 'outage_first', 'still heard')
      expect((await first.receive(AbortSignal.timeout(5000))).payload).toBe('still heard')
      await Promise.all([first.close(), late.close(), watcher.close()])
    } finally {
      await proxy.close()
      await db.close()
    }
  })
})
