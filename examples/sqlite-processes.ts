/**
 * NOTIFY/LISTEN on SQLite between two Node processes sharing one database
 * file: no server at all.
 *
 * The parent opens a file, listens, and starts a copy of this very file as a
 * second process (`child_process.fork` with the parent's own loader
 * arguments, `process.execArgv`). The two talk both ways on the same file:
 *
 * - the child listens to `to-child` and says `ready` on `child-status`;
 *   only then does the parent send it `go` (nothing is lost to a race);
 * - the child writes orders, each notifying `orders` with the new row's id
 *   in the same transaction: the parent is told at commit and finds the row
 *   already visible;
 * - the child rolls back one order: neither its row nor its notification
 *   ever exists, so the parent receives nothing for it;
 * - every notification carries the sender's `pid`: the child's, not the parent's.
 *
 * Run it from the repository root (the database lives in a temporary
 * directory, removed at the end):
 *
 * ```sh
 * pnpm example examples/sqlite-processes.ts
 * ```
 *
 * @module
 */
import { fork } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { listen, notify, open, sql, type Notification, type SqliteListener } from '@liteorm/sqlite'

const WAIT_MS = 15_000 // no step waits longer than this for the other process
const START_MS = 60_000 // a new Node process (and its TypeScript loader) may start slowly on a busy machine

if (process.argv[2] === 'child') await child(process.argv[3]!)
else await parent()

async function parent(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'liteorm-sqlite-processes-'))
  const db = open(join(dir, 'shop.db'))
  let listener: SqliteListener | undefined
  try {
    await db.exec(sql`create table orders (id integer primary key, customer text not null, total_cents integer not null)`)
    listener = await listen(db, ['orders', 'child-status'])
    console.log(`parent (pid ${process.pid}): ${db.filename} is open, listening to "orders" and "child-status"`)

    // The same file, run again: process.execArgv carries the loader the parent runs under (tsx's, here).
    const worker = fork(fileURLToPath(import.meta.url), ['child', db.filename], { execArgv: process.execArgv, stdio: 'inherit' })
    const exited = once(worker, 'exit') as Promise<[number | null, NodeJS.Signals | null]>
    let talked = false
    try {
      const ready = await receive(listener, START_MS)
      if (ready.channel !== 'child-status' || ready.payload !== 'ready') throw new Error(`expected "ready", got ${ready.payload}`)
      console.log(`parent: the child (pid ${ready.pid}) is ready; sending "go" on "to-child"`)
      await notify(db, 'to-child', 'go')

      let orders = 0
      for (;;) {
        const n = await receive(listener)
        if (n.pid !== worker.pid || n.pid === process.pid) throw new Error(`expected notifications from the child's pid ${worker.pid}, got ${n.pid}`)
        if (n.channel === 'child-status') {
          console.log(`parent: the child says "${n.payload}"`)
          if (n.payload === 'finished') break
          continue
        }
        // Delivered after commit: the row the notification names is already there.
        const row = await db.queryOne(sql<{ customer: string; total_cents: number }>`select customer, total_cents from orders where id = ${Number(n.payload)}`)
        console.log(`parent: order #${n.payload} from pid ${n.pid}: ${row.customer}, ${(row.total_cents / 100).toFixed(2)} (the row is visible)`)
        orders++
      }
      const { count } = await db.queryOne(sql<{ count: number }>`select count(*) as count from orders`)
      if (orders !== 3 || count !== 3) throw new Error(`expected 3 orders, got ${orders} notifications and ${count} rows`)
      console.log(`parent: ${orders} orders notified, ${count} rows in the table: the rolled-back order left neither a row nor a notification`)
      talked = true
    } finally {
      if (!talked) worker.kill() // something above failed: do not leave the child waiting
    }
    const [code] = await exited
    if (code !== 0) throw new Error(`the child exited with ${code}`)
    console.log('parent: the child exited with code 0')
  } finally {
    await listener?.close() // its polling timer would keep the process alive
    await db.close()
    rmSync(dir, { recursive: true, force: true })
  }
  console.log('parent: DB closed, file removed. Done.')
}

async function child(filename: string): Promise<void> {
  const say = (text: string): void => console.log(`  child (pid ${process.pid}): ${text}`)
  const db = open(filename)
  const commands = await listen(db, 'to-child')
  try {
    say(`opened ${filename}, listening to "to-child"`)
    await notify(db, 'child-status', 'ready')
    const go = await receive(commands)
    say(`received "${go.payload}" from the parent (pid ${go.pid})`)

    for (const [customer, cents] of [['ada', 1250], ['grace', 990]] as const) await placeOrder(customer, cents)
    await db
      .transaction(async (tx) => {
        const { insertId } = await tx.exec(sql`insert into orders (customer, total_cents) values ('mallory', 99900)`)
        await notify(tx, 'orders', String(insertId)) // dropped with the transaction
        throw new Error('card declined')
      })
      .catch((e: Error) => say(`an order was rolled back (${e.message}): its notification is never sent`))
    await placeOrder('edsger', 4200)
    await notify(db, 'child-status', 'finished')
  } finally {
    await commands.close()
    await db.close()
  }

  async function placeOrder(customer: string, totalCents: number): Promise<void> {
    const id = await db.transaction(async (tx) => {
      const { insertId } = await tx.exec(sql`insert into orders (customer, total_cents) values (${customer}, ${totalCents})`)
      await notify(tx, 'orders', String(insertId)) // delivered when the transaction commits
      return insertId
    })
    say(`committed order #${id} (${customer}) with its notification`)
  }
}

function receive(l: SqliteListener, ms = WAIT_MS): Promise<Notification> {
  return l.receive(AbortSignal.timeout(ms))
}
