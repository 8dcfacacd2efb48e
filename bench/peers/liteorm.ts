import { listen, notify, open } from '@liteorm/postgres'
import type { NotifyPeer } from './notify-peer.js'

/**
 * liteorm: `listen(db, channels, options)` consumed with
 * `for await (const n of listener)` — the natural consumer loop — and
 * `notify(db, channel, payload)` on a pool. Reconnect options at their
 * defaults; the gap is signalled through `onEvent` and `onReset`.
 *
 * ### Examples
 *
 * ```ts
 * const l = await liteormPeer.listen(url, ['jobs'], (channel, payload) => count++)
 * await l.close()
 * ```
 */
export const liteormPeer: NotifyPeer = {
  name: 'liteorm',
  idiom: {
    consumer: 'for await (const n of listener)',
    sender: 'notify(db, channel, payload) on open({ max: 4 })',
    gapSignal: "onEvent 'disconnected'/'reconnected', then onReset({ reconnected: true }) awaited before delivery resumes",
  },

  async listen(url, channels, onNotification, hooks = {}) {
    const db = open({ connectionString: url, max: 1, application_name: hooks.appName ?? 'liteorm-bench-listener' })
    const { onSignal, onResync } = hooks
    const listener = await listen(db, channels, {
      onEvent: onSignal === undefined ? undefined : (e) => onSignal(e.type),
      onReset: async ({ reconnected }) => {
        if (!reconnected) return
        onSignal?.('onReset(reconnected)')
        await onResync?.()
      },
    })
    const loop = (async () => {
      for await (const n of listener) onNotification(n.channel, n.payload)
    })()
    return {
      async close() {
        await listener.close()
        await loop
        await db.close()
      },
    }
  },

  async senders(url, count) {
    const db = open({ connectionString: url, max: count, application_name: 'liteorm-bench-sender' })
    return {
      send: (_index, channel, payload) => notify(db, channel, payload),
      close: () => db.close(),
    }
  },
}
