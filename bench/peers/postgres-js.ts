import postgres from 'postgres'
import type { NotifyPeer } from './notify-peer.js'

/**
 * postgres.js 3.4: `sql.listen(channel, fn, onlisten)` per channel (it
 * keeps one dedicated connection for all of them and reconnects it with its
 * own backoff) and `sql.notify(channel, payload)` on a pool. `onlisten` runs
 * after every successful LISTEN, the initial one included; it is not awaited.
 *
 * ### Examples
 *
 * ```ts
 * const l = await postgresJsPeer.listen(url, ['jobs'], (channel, payload) => count++)
 * await l.close()
 * ```
 */
export const postgresJsPeer: NotifyPeer = {
  name: 'postgres.js',
  idiom: {
    consumer: 'sql.listen(channel, fn, onlisten)',
    sender: 'sql.notify(channel, payload) on postgres({ max: 4 })',
    gapSignal: 'onlisten called again after re-LISTEN (same callback as the first LISTEN); not awaited',
  },
  boundNotify: true,

  async listen(url, channels, onNotification, hooks = {}) {
    const sql = postgres(url, { max: 1, onnotice: () => {}, connection: { application_name: hooks.appName ?? 'postgresjs-bench-listener' } })
    const { onSignal, onResync } = hooks
    await Promise.all(
      channels.map((channel) => {
        let listens = 0
        return sql.listen(
          channel,
          (payload) => onNotification(channel, payload),
          () => {
            if (++listens === 1) return
            onSignal?.('onlisten')
            void onResync?.()
          },
        )
      }),
    )
    return { close: () => sql.end({ timeout: 1 }) }
  },

  async senders(url, count) {
    const sql = postgres(url, { max: count, onnotice: () => {}, connection: { application_name: 'postgresjs-bench-sender' } })
    return {
      send: (_index, channel, payload) => sql.notify(channel, payload),
      close: () => sql.end({ timeout: 1 }),
    }
  },
}
