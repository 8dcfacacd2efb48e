/**
 * The listener walk-through both demos run, written once against the
 * dialect-neutral contracts: the same application code on PostgreSQL and on
 * SQLite.
 *
 * @module
 */
import type { DB, Listener, ListenOptions, Session } from '@liteorm/core'

/** A backend's `listen` and `notify`, as the tour calls them. */
export interface NotifyBackend {
  listen(db: DB, channels: string[], options: ListenOptions): Promise<Listener>
  notify(session: Session, channel: string, payload?: string): Promise<void>
}

/** Prints a line with the milliseconds since the demo started. */
export type Step = (text: string) => void

/**
 * Makes a {@link Step} that prefixes each line with the time since now.
 *
 * ### Examples
 *
 * ```ts
 * const step = stepLogger()
 * step('ready') // [    3 ms] ready
 * ```
 */
export function stepLogger(): Step {
  const started = Date.now()
  return (text) => console.log(`[${String(Date.now() - started).padStart(5)} ms] ${text}`)
}

/**
 * Listens on two channels, notifies outside and inside transactions (commit
 * delivers, rollback does not), cancels a receive by a timeout, and returns
 * the still-open listener for the demo to close its own way. Rejects if a
 * step does not behave as documented.
 *
 * ### Examples
 *
 * ```ts
 * const listener = await listenerTour(db, { listen, notify }, stepLogger())
 * await listener.close()
 * ```
 */
export async function listenerTour(db: DB, { listen, notify }: NotifyBackend, step: Step): Promise<Listener> {
  const listener = await listen(db, ['jobs', 'Audit'], {
    onReset: ({ reconnected, channels }) => step(`LISTEN in place on ${channels.join(', ')} (reconnected: ${reconnected})`),
    onEvent: (e) => step(`listener event: ${e.type}${e.error ? ` (${e.error.message})` : ''}`),
  })

  await notify(db, 'jobs', JSON.stringify({ id: 1, task: 'resize image' }))
  await notify(db, 'Audit', 'user 7 signed in')
  for (let i = 0; i < 2; i++) {
    const n = await listener.receive(AbortSignal.timeout(5000))
    step(`received on ${n.channel}: ${n.payload}  (from pid ${n.pid})`)
  }

  await db.transaction(async (tx) => {
    await notify(tx, 'jobs', 'sent inside a transaction')
    step('notified inside a transaction; nothing arrives before commit...')
    const early = await listener.receive(AbortSignal.timeout(300)).catch(() => undefined)
    if (early !== undefined) throw new Error(`a notification arrived before commit: ${early.payload}`)
    step('...indeed, nothing yet')
  })
  step(`after commit, received: ${(await listener.receive(AbortSignal.timeout(5000))).payload}`)

  await db
    .transaction(async (tx) => {
      await notify(tx, 'jobs', 'this one is rolled back')
      throw new Error('changed our mind')
    })
    .catch((e: Error) => step(`transaction rolled back: ${e.message}`))
  const late = await listener.receive(AbortSignal.timeout(500)).catch((e: Error) => e)
  if (!(late instanceof Error)) throw new Error(`a rolled-back notification arrived: ${late.payload}`)
  step(`receive cancelled by its 500 ms timeout (${late.name}): the rolled-back notification was never sent`)

  await notify(db, 'jobs', 'still delivered after a cancelled receive')
  step(`received: ${(await listener.receive(AbortSignal.timeout(5000))).payload}`)
  return listener
}
