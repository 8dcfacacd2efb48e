import { randomBytes } from 'node:crypto'
import { ConnectionError } from '@liteorm/core'
import { abortable, type LinkSink } from '@liteorm/core/backend'
import pg from 'pg'
import type { PostgresContext } from './postgres-context.js'
import { PostgresTransport } from './postgres-link.js'

/** How long the test notification may take to arrive before the check fails. */
const SELF_CHECK_MS = 3000

/**
 * Checks, once per DB, that a notification sent through the DB's pool
 * reaches a connection that listens on the listeners' pool. Behind a pooler
 * in transaction mode, LISTEN "succeeds" on whichever server connection runs
 * it and nothing ever arrives; this turns that silence into an error at
 * `listen()`. A failed check is forgotten, so a later `listen()` checks
 * again. Rejects with `ConnectionError` naming the likely cause and the
 * remedy (`listenUrl`), or with the mapped error of a connection or
 * statement that failed.
 *
 * ### Examples
 *
 * ```ts
 * await checkNotificationsArrive(context) // before the first listener starts
 * ```
 */
export function checkNotificationsArrive(context: PostgresContext): Promise<void> {
  context.selfCheck ??= selfCheck(context).catch((error: unknown) => {
    context.selfCheck = undefined
    throw error
  })
  return context.selfCheck
}

async function selfCheck(context: PostgresContext): Promise<void> {
  const channel = `liteorm_self_check_${randomBytes(6).toString('hex')}`
  let heard!: () => void
  const arrived = new Promise<true>((resolve) => (heard = () => resolve(true)))
  // A link like any listener's: the same checkout, tap and dead-connection replacement.
  const sink: LinkSink = { deliver: (n) => void (n.channel === channel && heard()), lost: () => undefined }
  const link = await new PostgresTransport(context).open([channel], sink, new AbortController().signal) // bounded by the pool's connect timeout, as before
  let reusable = false
  try {
    await notifyFromElsewhere(context, channel)
    const ok = await abortable(arrived, AbortSignal.timeout(SELF_CHECK_MS)).catch(() => false)
    if (!ok) {
      // Its server connection may still be LISTENing: never hand it out again.
      throw new ConnectionError(
        `a test notification sent through the DB's pool did not reach a listening connection within ${SELF_CHECK_MS} ms, so listeners would hear nothing. ` +
          'The likely cause is a pooler in transaction mode (PgBouncer pool_mode=transaction, a provider\'s "pooled" endpoint), where LISTEN cannot work: ' +
          'give open() a listenUrl that reaches PostgreSQL directly or through a session-mode pooler (or set LITEORM_LISTEN_URL)',
      )
    }
    reusable = true
  } finally {
    await link.release(reusable) // reusable: after UNLISTEN *
  }
}

/**
 * Sends the test notification on a connection of its own made with the
 * DB's pool settings: the route of any notify, through a pooler if there is
 * one, without waiting for a free pooled connection (a pool of one holds
 * the listening connection meanwhile).
 */
async function notifyFromElsewhere(context: PostgresContext, channel: string): Promise<void> {
  const Client = (context.pool.options as { Client?: typeof pg.Client }).Client ?? pg.Client // a multi-host DSN's class, which picks the host
  const sender = new Client(context.pool.options)
  sender.on('error', () => undefined) // a failure also rejects the call in flight, which reports it
  try {
    await sender.connect().catch((error: unknown) => {
      throw context.mapError(error, 'connect')
    })
    await sender.query('select pg_notify($1, $2)', [channel, 'self-check'])
  } finally {
    await sender.end().catch(() => undefined)
  }
}
