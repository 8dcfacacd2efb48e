import { randomBytes } from 'node:crypto'
import { ConnectionError, LiteormError } from '@liteorm/core'
import pg from 'pg'
import type { PostgresContext } from './postgres-context.js'

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
  const { client, heard } = await listeningClient(context, channel)
  let broken = false
  try {
    await notifyFromElsewhere(context, channel)
    let timer: NodeJS.Timeout | undefined
    const timedOut = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), SELF_CHECK_MS)))
    const arrived = await Promise.race([heard.then(() => true), timedOut])
    clearTimeout(timer)
    if (!arrived) {
      broken = true // its server connection may still be LISTENing: never hand it out again
      throw new ConnectionError(
        `a test notification sent through the DB's pool did not reach a listening connection within ${SELF_CHECK_MS} ms, so listeners would hear nothing. ` +
          'The likely cause is a pooler in transaction mode (PgBouncer pool_mode=transaction, a provider\'s "pooled" endpoint), where LISTEN cannot work: ' +
          'give open() a listenUrl that reaches PostgreSQL directly or through a session-mode pooler (or set LITEORM_LISTEN_URL)',
      )
    }
    await client.query(`UNLISTEN ${pg.escapeIdentifier(channel)}`)
  } catch (error) {
    broken = true
    throw error instanceof LiteormError ? error : context.mapError(error, 'query')
  } finally {
    client.release(broken)
  }
}

/** How many dead pooled connections the check replaces before it reports the failure. */
const STALE_RETRIES = 5

/**
 * A pooled connection LISTENing on `channel`, and a promise of the first
 * notification on it. A pooled connection whose first statement finds it
 * dead is destroyed and another taken: nothing happened on it yet.
 */
async function listeningClient(context: PostgresContext, channel: string): Promise<{ client: pg.PoolClient; heard: Promise<void> }> {
  for (let attempt = 0; ; attempt++) {
    const client = await context.listenPool.connect().catch((error: unknown) => {
      throw context.mapError(error, 'connect')
    })
    const heard = new Promise<void>((resolve) => {
      const onNotification = (n: pg.Notification): void => {
        if (n.channel !== channel) return
        client.off('notification', onNotification)
        resolve()
      }
      client.on('notification', onNotification)
    })
    try {
      await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`)
      return { client, heard }
    } catch (error) {
      client.release(true)
      const mapped = context.mapError(error, 'query')
      if (!(mapped instanceof ConnectionError) || attempt >= STALE_RETRIES) throw mapped
    }
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
