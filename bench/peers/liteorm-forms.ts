import { listen, open, subscribe, type Notification, type PostgresListenOptions } from '@liteorm/postgres'
import type { ListenHooks, NotifyPeer } from './notify-peer.js'

/** The ways a liteorm user consumes notifications, each measured on its own by the bulk workload. */
export const LITEORM_FORMS = ['receive', 'for await', 'subscribe'] as const

/** One of {@link LITEORM_FORMS}. */
export type LiteormForm = (typeof LITEORM_FORMS)[number]

/** How each form reads, as the report names it. */
export const LITEORM_FORM_IDIOMS: Readonly<Record<LiteormForm, string>> = {
  receive: 'for (;;) { const n = await listener.receive(); … }',
  'for await': 'for await (const n of listener) …',
  subscribe: 'subscribe(db, channel, (m) => …)',
}

/**
 * Listens with liteorm on a DB of its own (`open({ max: 1 })`), consuming
 * in `form`: a `receive()` loop or `for await` on `listen(db, channels)`,
 * or one `subscribe(db, channel, handler)` per channel. Reconnect options at
 * their defaults; `hooks.onSignal` hears `onEvent` and `onReset`, and
 * `hooks.onResync` is awaited in `onReset` after a reconnection.
 *
 * ### Examples
 *
 * ```ts
 * const l = await listenIn('subscribe')(url, ['jobs'], (channel, payload) => count++)
 * await l.close()
 * ```
 */
export function listenIn(form: LiteormForm): NotifyPeer['listen'] {
  return async (url, channels, onNotification, hooks = {}) => {
    const db = open({ connectionString: url, max: 1, application_name: hooks.appName ?? 'liteorm-bench-listener' })
    try {
      if (form === 'subscribe') {
        const onReset = resetHook(hooks)
        const subscriptions = await Promise.all(
          channels.map((channel) => subscribe(db, channel, { handler: (m) => onNotification(m.channel, m.payload), onReset })),
        )
        return {
          async close() {
            await Promise.all(subscriptions.map((s) => s.close()))
            await db.close()
          },
        }
      }
      const { onSignal } = hooks
      const options: PostgresListenOptions = { onEvent: onSignal === undefined ? undefined : (e) => onSignal(e.type), onReset: resetHook(hooks) }
      const listener = await listen(db, channels, options)
      const loop =
        form === 'for await'
          ? (async () => {
              for await (const n of listener) onNotification(n.channel, n.payload)
            })()
          : (async () => {
              for (;;) {
                let n: Notification
                try {
                  n = await listener.receive()
                } catch {
                  return // closed
                }
                onNotification(n.channel, n.payload)
              }
            })()
      return {
        async close() {
          await listener.close()
          await loop
          await db.close()
        },
      }
    } catch (error) {
      await db.close()
      throw error
    }
  }
}

/** The `onReset` that reports a reconnection to `hooks` and awaits the consumer's re-sync. */
function resetHook({ onSignal, onResync }: ListenHooks): (info: { reconnected: boolean }) => Promise<void> {
  return async ({ reconnected }) => {
    if (!reconnected) return
    onSignal?.('onReset(reconnected)')
    await onResync?.()
  }
}
