/**
 * A job queue on PostgreSQL whose workers are woken by notifications, with
 * `subscribe(db, 'jobs', handler)`.
 *
 * - Jobs live in a table; enqueueing inserts rows and `notify(tx, 'jobs')`
 *   in the same transaction, so workers are woken exactly when the jobs are
 *   committed. The notification carries no job: it only says "look".
 * - Each worker claims one job at a time with `FOR UPDATE SKIP LOCKED` in a
 *   transaction held while the job runs: workers never wait for each other,
 *   no job runs twice, and a worker that dies mid-job rolls back and leaves
 *   the job queued for another.
 * - A worker's `onReset` drains the queue when it subscribes (jobs enqueued
 *   before it started) and after every reconnect (notifications missed
 *   while disconnected); a periodic fallback poll finds what no notification
 *   announces, here a job scheduled for later.
 * - Three workers and a progress monitor are four subscriptions on ONE
 *   shared connection (`subscriptionStatus(db)` shows it).
 *
 * Run it from the repository root (it creates the schema `job_worker_example`
 * and drops it at the end):
 *
 * ```sh
 * pnpm example examples/job-worker.ts                                      # a PostgreSQL started and removed for you
 * DATABASE_URL=postgres://user:pass@localhost:5432/db pnpm example examples/job-worker.ts
 * ```
 *
 * @module
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { notify, open, sql, subscribe, subscriptionStatus, type PostgresDB, type PostgresSubscription } from '@liteorm/postgres'
import { providePostgres } from '@liteorm/testing'

const POLL_EVERY_MS = 250 // the fallback poll; notifications do the fast path

interface Job {
  id: string
  task: string
}

/** One worker: drains the queue whenever something wakes it, one job at a time. */
class Worker {
  readonly name: string
  readonly ran: string[] = []
  readonly #db: PostgresDB<unknown>
  #draining: Promise<void> | undefined
  #again: string | undefined
  #subscription: PostgresSubscription | undefined
  #poll: NodeJS.Timeout | undefined

  constructor(db: PostgresDB<unknown>, name: string) {
    this.#db = db
    this.name = name
  }

  async start(): Promise<void> {
    this.#subscription = await subscribe(this.#db, 'jobs', {
      handler: () => this.wake('notification'),
      onReset: ({ reconnected }) => this.wake(reconnected ? 'reconnect' : 'subscribe'),
      onError: (e) => console.log(`   ${this.name}: ${e.message}`),
    })
    this.#poll = setInterval(() => void this.wake('poll'), POLL_EVERY_MS)
  }

  /** Drains the queue; a wake while draining makes the drain go round once more instead of running a second one. */
  wake(why: string): Promise<void> {
    if (this.#draining !== undefined) {
      this.#again = why
      return this.#draining
    }
    this.#draining = (async () => {
      let reason: string | undefined = why
      while (reason !== undefined) {
        this.#again = undefined
        await this.#drain(reason).catch((e: unknown) => console.log(`   ${this.name}: a drain failed, the poll will retry: ${String(e)}`))
        reason = this.#again
      }
    })().finally(() => (this.#draining = undefined))
    return this.#draining
  }

  async stop(): Promise<void> {
    clearInterval(this.#poll)
    await this.#subscription?.close()
    await this.#draining
  }

  async #drain(why: string): Promise<void> {
    while (await this.#runOne(why));
  }

  /** Claims the oldest due job nobody holds, runs it, marks it done; false when there is none. */
  async #runOne(why: string): Promise<boolean> {
    const job = await this.#db.transaction(async (tx) => {
      const [claimed] = await tx.query(sql<Job>`
        select id, task from job_worker_example.jobs
        where state = 'queued' and run_at <= now()
        order by id limit 1
        for update skip locked`)
      if (claimed === undefined) return undefined
      await sleep(20 + Math.floor(Math.random() * 20)) // the work itself
      await tx.exec(sql`update job_worker_example.jobs set state = 'done', worker = ${this.name}, finished_at = now() where id = ${claimed.id}`)
      await notify(tx, 'job-done', claimed.id) // the monitor hears of it at commit
      return claimed
    })
    if (job === undefined) return false
    this.ran.push(job.id)
    console.log(`   ${this.name} ran #${job.id} ${job.task} (woken by ${why})`)
    return true
  }
}

// Uses DATABASE_URL when it is set; otherwise @liteorm/testing starts a real
// PostgreSQL (a testcontainers container, else embedded PostgreSQL from npm),
// which server.stop() removes at the end.
const server = await providePostgres()
const db = open(server.url)
const workers = ['worker-a', 'worker-b', 'worker-c'].map((name) => new Worker(db, name))
let monitor: PostgresSubscription | undefined

try {
  await db.exec(sql`drop schema if exists job_worker_example cascade`)
  await db.exec(sql`create schema job_worker_example`)
  await db.exec(sql`create table job_worker_example.jobs (
    id bigserial primary key,
    task text not null,
    state text not null default 'queued' check (state in ('queued', 'done')),
    run_at timestamptz not null default now(),
    worker text,
    finished_at timestamptz)`)
  await db.exec(sql`create index on job_worker_example.jobs (run_at, id) where state = 'queued'`)

  console.log('1. Two jobs are enqueued before any worker runs.')
  await enqueue(['send welcome e-mail', 'rebuild search index'])

  console.log('2. Three workers subscribe to "jobs" (each drains the queue in onReset), a monitor to "job-done".')
  const done = new Set<string>()
  monitor = await subscribe(db, 'job-done', (m) => void done.add(m.payload))
  for (const w of workers) await w.start()
  const status = await subscriptionStatus(db)
  console.log(
    `   ${status.subscribers} subscriptions on channels ${status.channels.join(', ')}; ` +
      `their one shared connection LISTENs to: ${[...status.serverChannels].sort().join(', ')}`,
  )
  await waitUntil('the first two jobs', () => done.size === 2)

  console.log('3. Twelve jobs enqueued in one transaction with one notification: the workers share them out.')
  await enqueue(Array.from({ length: 12 }, (_, i) => `resize photo-${i + 1}.jpg`))
  await waitUntil('the twelve jobs', () => done.size === 14)

  console.log(`4. A job scheduled 400 ms ahead: no notification announces it when due; the ${POLL_EVERY_MS} ms fallback poll finds it.`)
  await db.exec(sql`insert into job_worker_example.jobs (task, run_at) values ('send reminder', now() + interval '400 milliseconds')`)
  await waitUntil('the scheduled job', () => done.size === 15)

  const check = await db.queryOne(sql<{ total: number; done: number }>`
    select count(*)::int as total, count(*) filter (where state = 'done')::int as done from job_worker_example.jobs`)
  const runs = workers.flatMap((w) => w.ran)
  if (check.done !== check.total || runs.length !== check.total || new Set(runs).size !== runs.length) {
    throw new Error(`expected each of ${check.total} jobs to run once, got ${runs.length} runs and ${check.done} done`)
  }
  console.log(`5. ${check.total} jobs, each run exactly once: ${workers.map((w) => `${w.name} ${w.ran.length}`).join(', ')}.`)
} finally {
  for (const w of workers) await w.stop()
  await monitor?.close() // the last subscription out releases the shared connection
  await db.exec(sql`drop schema if exists job_worker_example cascade`).catch(() => undefined)
  await db.close()
  await server.stop()
}
console.log('Done.')

/** Enqueues jobs and wakes the workers, in one transaction: they are woken exactly when the jobs exist. */
async function enqueue(tasks: string[]): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.exec(sql`insert into job_worker_example.jobs (task) select unnest(${tasks}::text[])`)
    await notify(tx, 'jobs')
  })
}

async function waitUntil(what: string, done: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await sleep(10)
  }
}
