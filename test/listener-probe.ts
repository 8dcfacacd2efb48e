import type { ListenerEvent } from '@liteorm/core'
import { expect } from 'vitest'
import { admin } from '@liteorm/testing'

/**
 * Records a listener's events for a test and waits for them.
 *
 * ### Examples
 *
 * ```ts
 * const events = new EventLog()
 * const l = await listen(db, 'jobs', { onEvent: events.record })
 * await events.next('reconnected')
 * ```
 */
export class EventLog {
  readonly events: ListenerEvent[] = []
  /** When each event arrived (`performance.now()`), parallel to {@link events}. */
  readonly times: number[] = []
  #waiters: { type: ListenerEvent['type']; count: number; resolve: (e: ListenerEvent) => void }[] = []

  readonly record = (event: ListenerEvent): void => {
    this.events.push(event)
    this.times.push(performance.now())
    for (const w of [...this.#waiters]) {
      if (this.count(w.type) >= w.count) {
        this.#waiters.splice(this.#waiters.indexOf(w), 1)
        w.resolve(event)
      }
    }
  }

  /** The event types so far, in order. */
  get types(): ListenerEvent['type'][] {
    return this.events.map((e) => e.type)
  }

  count(type: ListenerEvent['type']): number {
    return this.events.filter((e) => e.type === type).length
  }

  /** Resolves once `type` has happened `count` times in all since the listener started. */
  next(type: ListenerEvent['type'], count = 1, timeoutMs = 20_000): Promise<ListenerEvent> {
    if (this.count(type) >= count) return Promise.resolve(this.events.findLast((e) => e.type === type)!)
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no '${type}' event #${count} within ${timeoutMs} ms; events: ${this.types.join(', ')}`)), timeoutMs)
      this.#waiters.push({
        type,
        count,
        resolve: (e) => {
          clearTimeout(timer)
          resolve(e)
        },
      })
    })
  }
}

/**
 * Checks a listener's reconnect backoff as its events report it: failed
 * attempts numbered 1, 2, 3… after the loss; each announced `retryInMs`
 * within its jittered bound (the upper half of `minDelayMs × 2^(attempt−1)`,
 * capped at `maxDelayMs`); and the next attempt's outcome arriving no sooner
 * than announced.
 *
 * ### Examples
 *
 * ```ts
 * await events.next('reconnected')
 * expectBackoff(events, { minDelayMs: 50, maxDelayMs: 400 })
 * ```
 */
export function expectBackoff(log: EventLog, bounds: { minDelayMs: number; maxDelayMs: number }): void {
  const failed = log.events.flatMap((e, i) => (e.type === 'connect-failed' ? [{ event: e, index: i }] : []))
  expect(failed.length, 'connect-failed events').toBeGreaterThan(0)
  failed.forEach(({ event, index }, k) => {
    expect(event.attempt).toBe(k + 1)
    const ceiling = Math.min(bounds.maxDelayMs, bounds.minDelayMs * 2 ** k)
    expect(event.retryInMs, `retryInMs of attempt ${k + 1}`).toBeGreaterThanOrEqual(Math.floor(ceiling / 2))
    expect(event.retryInMs, `retryInMs of attempt ${k + 1}`).toBeLessThanOrEqual(ceiling)
    const after = log.times[index + 1]
    if (after !== undefined) expect(after - log.times[index]!, `wait after attempt ${k + 1}`).toBeGreaterThanOrEqual(event.retryInMs - 2)
  })
}

/**
 * Terminates every backend whose `application_name` is `app`; returns how many.
 *
 * ### Examples
 *
 * ```ts
 * const db = open({ connectionString: url, application_name: 'kill-me' })
 * await killBackends(url, 'kill-me')
 * ```
 */
export async function killBackends(url: string, app: string): Promise<number> {
  const rows = await admin<{ ok: boolean }>(url, 'select pg_terminate_backend(pid) as ok from pg_stat_activity where application_name = $1', [app])
  return rows.filter((r) => r.ok).length
}

/**
 * Waits until no backend with `application_name` = `app` is left on the
 * server (connection hygiene), failing the test after `timeoutMs`.
 *
 * ### Examples
 *
 * ```ts
 * await l.close(); await db.close()
 * await expectNoBackends(url, 'scenario-1')
 * ```
 */
export async function expectNoBackends(url: string, app: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  let left: { pid: number; state: string | null }[] = []
  do {
    left = await admin(url, 'select pid, state from pg_stat_activity where application_name = $1', [app])
    if (left.length === 0) return
    await new Promise((r) => setTimeout(r, 50))
  } while (Date.now() < deadline)
  expect(left, `backends of ${app} still open`).toEqual([])
}

/** Waits until `check()` holds (polling every 10 ms), failing after `ms` with what was awaited. */
export async function until(check: () => boolean, ms = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}
