import pg from 'pg'
import type { NotifyPeer } from './notify-peer.js'

/**
 * Raw node-postgres: a `pg.Client` that runs `LISTEN` and handles
 * `client.on('notification')`; senders run `select pg_notify($1, $2)` on a
 * `pg.Pool` of the size asked for — the server call liteorm's `notify` makes,
 * on the same pool size. It does not reconnect: on connection loss the
 * client emits `error`/`end` and is dead.
 *
 * ### Examples
 *
 * ```ts
 * const l = await rawPgPeer.listen(url, ['jobs'], (channel, payload) => count++)
 * await l.close()
 * ```
 */
export const rawPgPeer: NotifyPeer = {
  name: 'pg',
  idiom: {
    consumer: "client.on('notification', fn) after LISTEN",
    sender: "pool.query('select pg_notify($1, $2)', [channel, payload]) on new pg.Pool({ max: 4 })",
    gapSignal: "client 'error' + 'end' events; no reconnect (the client is dead)",
  },
  boundNotify: true,

  async listen(url, channels, onNotification, hooks = {}) {
    const client = new pg.Client({ connectionString: url, application_name: hooks.appName ?? 'pg-bench-listener' })
    const { onSignal } = hooks
    client.on('error', () => onSignal?.('error'))
    client.on('end', () => onSignal?.('end'))
    client.on('notification', (n) => onNotification(n.channel, n.payload ?? ''))
    await client.connect()
    await client.query(channels.map((c) => `LISTEN ${pg.escapeIdentifier(c)}`).join('; '))
    return {
      close: () => client.end().catch(() => undefined),
    }
  },

  async senders(url, count) {
    const pool = new pg.Pool({ connectionString: url, max: count, application_name: 'pg-bench-sender' })
    pool.on('error', () => {})
    return {
      send: (_index, channel, payload) => pool.query('select pg_notify($1, $2)', [channel, payload]),
      close: () => pool.end(),
    }
  },
}
