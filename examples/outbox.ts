/**
 * The transactional outbox ("table + notify") on PostgreSQL, with
 * `listen(db, channel, { onReset })`.
 *
 * - **Producers** write an order and its outbox event in one transaction,
 *   which also notifies `outbox` with the event's id: the notification goes
 *   out exactly when the rows commit, and never for a rolled-back order.
 * - **The consumer** LISTENs first, then reads the backlog in `onReset`: on
 *   its first connection (`reconnected: false`) and after every reconnect
 *   (`reconnected: true`). Then it handles live notifications. A live
 *   notification may repeat an event the backlog read already handled, so
 *   each event is claimed with `FOR UPDATE` and `processed_at is null`:
 *   published once, repeats skipped.
 * - **A forced reconnect**: the listener's server process is terminated
 *   (`pg_terminate_backend`, found by the consumer's `application_name`)
 *   while orders keep coming; the listener reconnects, `onReset` re-reads the
 *   backlog, and the end check shows that no event was lost or published twice.
 *
 * Run it from the repository root (it creates the schema `outbox_example`
 * and drops it at the end):
 *
 * ```sh
 * pnpm example examples/outbox.ts                                      # a PostgreSQL started and removed for you
 * DATABASE_URL=postgres://user:pass@localhost:5432/db pnpm example examples/outbox.ts
 * ```
 *
 * @module
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { listen, notify, open, sql, type PostgresListener } from '@liteorm/postgres'
import { providePostgres } from '@liteorm/testing'

const CHANNEL = 'outbox'
/** The consumer's connections carry this name, so an operator (or this example) can find them in pg_stat_activity. */
const CONSUMER_APP = 'outbox-example-consumer'

interface OrderPlaced {
  orderId: string
  customer: string
  totalCents: number
}
interface OutboxEvent {
  id: string
  topic: string
  body: OrderPlaced
}
type Via = 'backlog' | 'backlog after reconnect' | 'live'

// Uses DATABASE_URL when it is set; otherwise @liteorm/testing starts a real
// PostgreSQL (a testcontainers container, else embedded PostgreSQL from npm),
// which server.stop() removes at the end.
const server = await providePostgres()
const db = open(server.url) // the application's DB: producers write orders here
const consumerDb = open({ url: server.url, application_name: CONSUMER_APP }) // the consumer's own pool

const published = new Map<string, Via>() // event id → how the consumer learned of it
let repeats = 0 // notifications of events already published (a backlog read got there first)
let reconnects = 0
let listener: PostgresListener | undefined

try {
  await db.exec(sql`drop schema if exists outbox_example cascade`)
  await db.exec(sql`create schema outbox_example`)
  await db.exec(sql`create table outbox_example.orders (
    id bigserial primary key, customer text not null, total_cents integer not null)`)
  await db.exec(sql`create table outbox_example.outbox (
    id bigserial primary key, topic text not null, body jsonb not null,
    created_at timestamptz not null default now(), processed_at timestamptz)`)
  await db.exec(sql`create index on outbox_example.outbox (id) where processed_at is null`)

  console.log('1. The consumer is not running yet; three orders are placed. Their notifications reach no one, but the rows wait in the outbox.')
  for (const [customer, cents] of [['ada', 1250], ['grace', 990], ['edsger', 4200]] as const) await placeOrder(customer, cents)

  console.log('2. The consumer starts: LISTEN first, then onReset reads the backlog.')
  listener = await listen(consumerDb, CHANNEL, {
    onReset: async ({ reconnected }) => {
      const backlog = await consumerDb.query(
        sql<{ id: string }>`select id from outbox_example.outbox where processed_at is null order by id`,
      )
      console.log(`   onReset(reconnected: ${reconnected}): ${backlog.length} unprocessed event(s) in the backlog`)
      for (const { id } of backlog) await handle(id, reconnected ? 'backlog after reconnect' : 'backlog')
    },
    onEvent: (e) => {
      console.log(`   listener ${e.type}${e.error ? `: ${e.error.message}` : ''}`)
      if (e.type === 'reconnected') reconnects++
    },
  })
  const consuming = consume(listener)

  console.log('3. Live: four orders, each notifying at its commit; one more order is rolled back and notifies no one.')
  for (const [customer, cents] of [['barbara', 300], ['ken', 1500], ['dennis', 2700], ['margaret', 870]] as const) {
    await placeOrder(customer, cents)
  }
  await db
    .transaction(async (tx) => {
      await tx.exec(sql`insert into outbox_example.orders (customer, total_cents) values ('mallory', 99900)`)
      await notify(tx, CHANNEL, 'never sent') // dropped with the transaction
      throw new Error('payment declined')
    })
    .catch((e: Error) => console.log(`   an order was rolled back (${e.message}): no row, no notification`))
  await waitUntil('the live orders to be published', () => published.size === 7)

  console.log('4. Forced reconnect: a burst of six orders while the consumer is busy (publishing takes a while),')
  console.log("   then the listener's server process is terminated, and three more orders come while it reconnects.")
  await Promise.all([1, 2, 3, 4, 5, 6].map((i) => placeOrder(`burst-${i}`, 100 * i)))
  // The consumer's pool holds other connections under the same name; the listener's is the one whose last statement was its LISTEN.
  const [victim] = await db.query(sql<{ pid: number; terminated: boolean }>`
    select pid, pg_terminate_backend(pid) as terminated from pg_stat_activity
    where datname = current_database() and application_name = ${CONSUMER_APP} and query ilike 'listen %'`)
  if (victim === undefined) throw new Error(`no listening backend named ${CONSUMER_APP} found`)
  console.log(`   terminated the listener's backend (pid ${victim.pid})`)
  await Promise.all([7, 8, 9].map((i) => placeOrder(`burst-${i}`, 100 * i)))
  await waitUntil('the listener to reconnect', () => reconnects > 0)

  const total = await db.queryOne(sql<{ n: number }>`select count(*)::int as n from outbox_example.outbox`)
  await waitUntil('every event to be published', async () => {
    const pending = await db.queryOne(sql<{ n: number }>`select count(*)::int as n from outbox_example.outbox where processed_at is null`)
    return pending.n === 0 && published.size === total.n
  })
  await listener.close() // ends the consumer's for-await loop
  await consuming

  const byVia: Record<Via, number> = { backlog: 0, 'backlog after reconnect': 0, live: 0 }
  for (const via of published.values()) byVia[via]++
  console.log(`5. All ${total.n} events published exactly once, none lost:`)
  console.log(`   ${byVia.backlog} by the first backlog read, ${byVia['backlog after reconnect']} by the backlog read after the reconnect,`)
  console.log(`   ${byVia.live} by live notifications; ${repeats} repeated notification(s) of already published events skipped.`)
} finally {
  await listener?.close()
  await consumerDb.close()
  await db.exec(sql`drop schema if exists outbox_example cascade`).catch(() => undefined)
  await db.close()
  await server.stop()
}
console.log('Done.')

/** A producer: the order, its outbox event and the notification commit together, or not at all. */
async function placeOrder(customer: string, totalCents: number): Promise<void> {
  await db.transaction(async (tx) => {
    const order = await tx.queryOne(
      sql<{ id: string }>`insert into outbox_example.orders (customer, total_cents) values (${customer}, ${totalCents}) returning id`,
    )
    const body: OrderPlaced = { orderId: order.id, customer, totalCents }
    const event = await tx.queryOne(
      sql<{ id: string }>`insert into outbox_example.outbox (topic, body) values ('order.placed', ${JSON.stringify(body)}::jsonb) returning id`,
    )
    await notify(tx, CHANNEL, event.id) // sent at commit, after the rows are visible
  })
}

/** The consumer's live loop: one notification at a time, until the listener is closed. */
async function consume(l: PostgresListener): Promise<void> {
  for await (const n of l) {
    try {
      await handle(n.payload, 'live')
    } catch (error) {
      // The event stays unprocessed in the outbox: the next backlog read retries it.
      console.log(`   handling event ${n.payload} failed, left for the next backlog read: ${String(error)}`)
    }
  }
}

/**
 * Publishes one event unless it already was: the row lock makes a backlog
 * read and a live notification of the same event take turns, and the second
 * one finds `processed_at` set.
 */
async function handle(id: string, via: Via): Promise<void> {
  const done = await consumerDb.transaction(async (tx) => {
    const [event] = await tx.query(
      sql<OutboxEvent>`select id, topic, body from outbox_example.outbox where id = ${id} and processed_at is null for update`,
    )
    if (event === undefined) return false
    await publish(event, via) // in a real consumer: a message broker, an e-mail, a webhook...
    await tx.exec(sql`update outbox_example.outbox set processed_at = now() where id = ${id}`)
    return true
  })
  if (!done) repeats++
}

async function publish(event: OutboxEvent, via: Via): Promise<void> {
  if (published.has(event.id)) throw new Error(`event ${event.id} published twice`)
  await sleep(25) // the broker's round trip
  published.set(event.id, via)
  const { orderId, customer, totalCents } = event.body
  console.log(`   published ${event.topic} #${event.id}: order ${orderId}, ${customer}, ${(totalCents / 100).toFixed(2)} (${via})`)
}

async function waitUntil(what: string, done: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await sleep(20)
  }
}
