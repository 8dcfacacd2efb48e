/**
 * Typed JSON channels on PostgreSQL with `jsonChannel<T>(name, check)`.
 *
 * One declaration gives both sides a type: `notify(db, orders, value)`
 * accepts only an `OrderPlaced` (and its check refuses a bad value at run
 * time too, before anything is sent), and `subscribe(db, orders, ...)`
 * hands out `message.value` already parsed and checked. A payload that is not
 * JSON or fails the check, sent by code that does not use the channel
 * object, never reaches a handler: it goes to `onError` as an
 * `InvalidPayloadError` carrying the raw text, and the subscription carries
 * on. A plain `listen` listener gets the raw notification and can use
 * `orders.parse(payload)` itself.
 *
 * Run it from the repository root:
 *
 * ```sh
 * pnpm example examples/typed-channels.ts                                      # a PostgreSQL started and removed for you
 * DATABASE_URL=postgres://user:pass@localhost:5432/db pnpm example examples/typed-channels.ts
 * ```
 *
 * @module
 */
import { setTimeout as sleep } from 'node:timers/promises'
import {
  InvalidArgumentError,
  InvalidPayloadError,
  jsonChannel,
  listen,
  notify,
  open,
  subscribe,
  type LiteormError,
  type Message,
} from '@liteorm/postgres'
import { providePostgres } from '@liteorm/testing'

/** What travels on the `orders` channel. */
interface OrderPlaced {
  orderId: string
  customer: string
  totalCents: number
  items: string[]
}

/** The run-time check, applied by `notify` before sending and by subscribers after parsing. */
function isOrderPlaced(value: unknown): value is OrderPlaced {
  if (typeof value !== 'object' || value === null) return false
  const v = value as Record<string, unknown>
  return (
    typeof v.orderId === 'string' &&
    typeof v.customer === 'string' &&
    Number.isInteger(v.totalCents) &&
    Array.isArray(v.items) &&
    v.items.every((item) => typeof item === 'string')
  )
}

/** Declared once, imported by senders and receivers alike. */
const orders = jsonChannel<OrderPlaced>('orders', isOrderPlaced)

const describe = (o: OrderPlaced): string => `order ${o.orderId} for ${o.customer}: ${o.items.join(' + ')}, ${(o.totalCents / 100).toFixed(2)}`
const badPayload = (e: LiteormError): string =>
  e instanceof InvalidPayloadError ? `${e.name} (${e.code}): ${e.message}; raw text '${e.payload}'` : `${e.name}: ${e.message}`

// Uses DATABASE_URL when it is set; otherwise @liteorm/testing starts a real
// PostgreSQL (a testcontainers container, else embedded PostgreSQL from npm),
// which server.stop() removes at the end.
const server = await providePostgres()
const db = open(server.url)
const seen = { billing: [] as string[], audit: [] as string[], legacy: [] as string[] }

try {
  console.log('1. Three consumers of "orders": a handler subscription (billing), a stream subscription (audit), a plain listener (legacy).')
  const billing = await subscribe(db, orders, {
    handler: (m: Message<OrderPlaced>) => void seen.billing.push(`billing handler: ${describe(m.value)}`),
    onError: (e) => void seen.billing.push(`billing onError: ${badPayload(e)}`),
  })
  const audit = await subscribe(db, orders, { onError: (e) => void seen.audit.push(`audit onError: ${badPayload(e)}`) })
  const auditing = (async () => {
    for await (const m of audit) seen.audit.push(`audit stream: ${describe(m.value)} (from pid ${m.pid})`) // m.value: OrderPlaced
  })()
  const legacy = await listen(db, orders.name)
  const legacyReading = (async () => {
    for await (const n of legacy) {
      try {
        seen.legacy.push(`legacy listener: ${describe(orders.parse(n.payload))}`)
      } catch (e) {
        seen.legacy.push(`legacy listener: orders.parse threw ${badPayload(e as LiteormError)}`)
      }
    }
  })()

  console.log('2. notify(db, orders, value): the value is checked, serialised, sent; each consumer gets it typed.')
  await notify(db, orders, { orderId: 'A-1', customer: 'ada', totalCents: 1250, items: ['tea', 'scones'] })
  await show(1)

  console.log('3. A value that fails the check is refused before anything is sent:')
  try {
    // @ts-expect-error -- totalCents must be a number: TypeScript rejects this call, and so does the check at run time
    await notify(db, orders, { orderId: 'A-2', customer: 'grace', totalCents: '9.90', items: [] })
  } catch (e) {
    if (!(e instanceof InvalidArgumentError)) throw e
    console.log(`   ${e.name}: ${e.message}`)
  }

  console.log('4. Code that does not use the channel object sends two bad payloads on "orders", then a good one:')
  await notify(db, 'orders', 'not json at all')
  await notify(db, 'orders', JSON.stringify({ orderId: 7, customer: 'edsger' }))
  await notify(db, orders, { orderId: 'A-3', customer: 'barbara', totalCents: 300, items: ['coffee'] })
  await show(3)
  console.log('   the handler never saw the bad payloads, and every consumer carried on to A-3.')

  await Promise.all([billing.close(), audit.close(), legacy.close()]) // the for-await loops end
  await Promise.all([auditing, legacyReading])
} finally {
  await db.close()
  await server.stop()
}
console.log('Done.')

/** Waits until each consumer has `count` new entries, then prints them, consumer by consumer. */
async function show(count: number): Promise<void> {
  const deadline = Date.now() + 10_000
  while (Object.values(seen).some((lines) => lines.length < count)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${count} deliveries per consumer: ${JSON.stringify(seen)}`)
    await sleep(10)
  }
  for (const lines of Object.values(seen)) {
    for (const line of lines.splice(0)) console.log(`   ${line}`)
  }
}
