import { notify, open } from '@liteorm/postgres'
import { listenIn } from './liteorm-forms.js'
import type { NotifyPeer } from './notify-peer.js'

/**
 * liteorm: `listen(db, channels, options)` consumed with
 * `for await (const n of listener)` — the natural consumer loop — and
 * `notify(db, channel, payload)` on a pool. Reconnect options at their
 * defaults; the gap is signalled through `onEvent` and `onReset`. The bulk
 * workload also measures its other consumer forms (see `liteorm-forms.ts`).
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
  boundNotify: true,

  listen: listenIn('for await'),

  async senders(url, count) {
    const db = open({ connectionString: url, max: count, application_name: 'liteorm-bench-sender' })
    return {
      send: (_index, channel, payload) => notify(db, channel, payload),
      close: () => db.close(),
    }
  },
}
