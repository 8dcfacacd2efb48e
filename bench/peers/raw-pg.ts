import pg from 'pg'
import type { NotifyPeer } from './notify-peer.js'

/**
 * Raw node-postgres: a `pg.Client` that runs `LISTEN` and handles
 * `client.on('notification')`; senders are `pg.Client`s running
 * `select pg_notify($1, $2)`. It does not reconnect: on connection loss the
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
    sender: 'client.query(select pg_notify($1, $2)) on 4 pg.Clients',
    gapSignal: "client 'error' + 'end' events; no reconnect (the client is dead)",
  },

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
    const clients = await Promise.all(
      Array.from({ length: count }, async () => {
        const client = new pg.Client({ connectionString: url, application_name: 'pg-bench-sender' })
        client.on('error', () => {})
        await client.connect()
        return client
      }),
    )
    return {
      send: (index, channel, payload) => clients[index % count]!.query('select pg_notify($1, $2)', [channel, payload]),
      close: async () => void (await Promise.all(clients.map((c) => c.end()))),
    }
  },
}
