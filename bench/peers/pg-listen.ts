import pgListen, { type Subscriber } from 'pg-listen'
import type { NotifyPeer } from './notify-peer.js'

/** pg-listen's factory: its CommonJS entry exports the function itself, whatever the typings say. */
const createSubscriber = ((pgListen as unknown as { default?: unknown }).default ?? pgListen) as unknown as (
  config: { connectionString: string; application_name: string },
  options: { parse: (s: string) => string; serialize: (s: string) => string },
) => Subscriber

/**
 * pg-listen 1.7: a subscriber consumed with
 * `subscriber.events.on('notification', fn)` and sending with
 * `subscriber.notify(channel, payload)`. Payloads are passed through as
 * strings (`parse`/`serialize` set to identity; its default is JSON), so
 * every library delivers the same values. Other options at their defaults
 * (retryInterval 500 ms, retryTimeout 3 s, paranoid check every 30 s).
 *
 * ### Examples
 *
 * ```ts
 * const l = await pgListenPeer.listen(url, ['jobs'], (channel, payload) => count++)
 * await l.close()
 * ```
 */
export const pgListenPeer: NotifyPeer = {
  name: 'pg-listen',
  idiom: {
    consumer: "subscriber.events.on('notification', fn)",
    sender: 'subscriber.notify(channel, payload) on 4 subscribers',
    gapSignal: "events 'reconnect' (attempt starts) and 'connected' (after re-LISTEN); handlers are not awaited",
  },
  boundNotify: false,

  async listen(url, channels, onNotification, hooks = {}) {
    const subscriber = subscriberOn(url, hooks.appName ?? 'pg-listen-bench-listener')
    const { onSignal, onResync } = hooks
    let connections = 0
    subscriber.events.on('error', () => onSignal?.('error'))
    subscriber.events.on('reconnect', () => onSignal?.('reconnect'))
    subscriber.events.on('connected', () => {
      if (++connections === 1) return
      onSignal?.('connected')
      void onResync?.()
    })
    subscriber.events.on('notification', (n) => onNotification(n.channel, n.payload as string))
    await subscriber.connect()
    await Promise.all(channels.map((c) => subscriber.listenTo(c)))
    return { close: () => subscriber.close() }
  },

  async senders(url, count) {
    const subscribers = Array.from({ length: count }, () => subscriberOn(url, 'pg-listen-bench-sender'))
    await Promise.all(subscribers.map((s) => s.connect()))
    return {
      send: (index, channel, payload) => subscribers[index % count]!.notify(channel, payload),
      close: async () => void (await Promise.all(subscribers.map((s) => s.close()))),
    }
  },
}

function subscriberOn(url: string, appName: string): Subscriber {
  const identity = (s: string): string => s
  const subscriber = createSubscriber({ connectionString: url, application_name: appName }, { parse: identity, serialize: identity })
  subscriber.events.on('error', () => {})
  return subscriber
}
