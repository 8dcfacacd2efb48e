import { describe, expect, it } from 'vitest'
import { ClosedError, ConnectionError, type ListenerEvent, type ResetInfo } from '@liteorm/core'
import {
  createNotification,
  DEFAULT_RECONNECT,
  ListenerCore,
  listenerSettings,
  type LinkSink,
  type ListenerLink,
  type ListenerTransport,
} from '@liteorm/core/backend'

// The listener core's own logic, on an in-memory transport that follows
// docs/listener-links.md. Database behaviour is tested on the real
// backends; this pins what the core promises every transport.

/** An in-memory link: records what it was told, and what was released. */
class MemoryLink implements ListenerLink {
  readonly log: string[] = []
  released: boolean | undefined
  constructor(readonly sink: LinkSink) {}
  async listen(channel: string): Promise<void> {
    this.log.push(`listen ${channel}`)
  }
  async unlisten(channel: string): Promise<void> {
    this.log.push(`unlisten ${channel}`)
  }
  async unlistenAll(): Promise<void> {
    this.log.push('unlisten *')
  }
  pause(): void {}
  resume(): void {}
  async probe(): Promise<undefined> {
    return undefined
  }
  async release(reusable: boolean): Promise<void> {
    this.released = reusable
  }
}

/** Opens links when told to: `open()` waits until the test calls `next.resolve()`, or fails while `failing`. */
class MemoryTransport implements ListenerTransport {
  readonly target = 'memory'
  readonly links: MemoryLink[] = []
  readonly opened: (readonly string[])[] = []
  hold = false
  failing = false
  #release: (() => void) | undefined

  async open(channels: readonly string[], sink: LinkSink, signal: AbortSignal): Promise<ListenerLink> {
    this.opened.push(channels)
    if (this.failing) throw new ConnectionError('memory: refused')
    const link = new MemoryLink(sink)
    this.links.push(link)
    if (this.hold) {
      await new Promise<void>((resolve, reject) => {
        this.#release = resolve
        signal.addEventListener('abort', () => reject(signal.reason), { once: true })
      })
    }
    return link
  }

  continue(): void {
    this.#release?.()
  }
}

const settings = (extra: { onReset?: (r: ResetInfo) => void | Promise<void>; onEvent?: (e: ListenerEvent) => void } = {}) =>
  listenerSettings(extra, () => ({ reconnect: { minDelayMs: 5, maxDelayMs: 10 }, healthCheckMs: 0, connectTimeoutMs: 1000 }))

const until = async (check: () => boolean): Promise<void> => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 5))
  expect(check()).toBe(true)
}

describe('ListenerCore on an in-memory transport', () => {
  it('channels changed while a link opens are applied to it before onReset, which sees the final set', async () => {
    const transport = new MemoryTransport()
    transport.hold = true
    const resets: ResetInfo[] = []
    const registry = new Set<{ close(): Promise<void> }>()
    const opening = ListenerCore.open({ transport, channels: ['a', 'b'], settings: settings({ onReset: (r) => void resets.push(r) }), registry })
    await until(() => transport.links.length === 1)
    const early = [...registry][0] as ListenerCore
    await early.listen('c') // no link takes commands yet: resolves at once, the link gets it before onReset
    await early.unlisten('a')
    transport.continue()
    const listener = await opening
    expect(listener).toBe(early)
    expect(transport.opened).toEqual([['a', 'b']])
    expect(transport.links[0]!.log).toEqual(['unlisten a', 'listen c'])
    expect(resets).toEqual([{ reconnected: false, channels: ['b', 'c'] }])
    await listener.listen('d')
    expect(transport.links[0]!.log.at(-1)).toBe('listen d')
    await listener.close()
    expect(transport.links[0]!.released).toBe(true) // live: handed back reusable
  })

  it('close() while open() hangs resolves at once, rejects open with ClosedError, and unregisters the listener', async () => {
    const transport = new MemoryTransport()
    transport.hold = true
    const registry = new Set<{ close(): Promise<void> }>()
    const opening = ListenerCore.open({ transport, channels: ['a'], settings: settings(), registry })
    await until(() => transport.links.length === 1)
    expect(registry.size).toBe(1)
    const [listener] = registry
    await listener!.close()
    await expect(opening).rejects.toBeInstanceOf(ClosedError)
    expect(registry.size).toBe(0)
  })

  it('a lost link is released destroyed, then the listener reconnects with the same channels and onReset({ reconnected: true }); deliveries go on', async () => {
    const transport = new MemoryTransport()
    const events: string[] = []
    const resets: ResetInfo[] = []
    const listener = await ListenerCore.open({
      transport,
      channels: ['a'],
      settings: settings({ onReset: (r) => void resets.push(r), onEvent: (e) => void events.push(e.type) }),
    })
    const first = transport.links[0]!
    first.sink.deliver(createNotification('a', 'before', 1))
    transport.failing = true
    first.sink.lost(new ConnectionError('memory: gone'))
    expect(first.released).toBe(false)
    await until(() => events.includes('connect-failed'))
    transport.failing = false
    await until(() => events.includes('reconnected'))
    expect(events.slice(0, 2)).toEqual(['connected', 'disconnected'])
    expect(resets.at(-1)).toEqual({ reconnected: true, channels: ['a'] })
    transport.links[1]!.sink.deliver(createNotification('a', 'after', 1))
    expect((await listener.receive()).payload).toBe('before')
    expect((await listener.receive()).payload).toBe('after')
    await listener.close()
  })

  it('onReset that throws after a reconnect is a connect-failed CallbackError, and the attempt is made again', async () => {
    const transport = new MemoryTransport()
    const events: ListenerEvent[] = []
    let calls = 0
    const listener = await ListenerCore.open({
      transport,
      channels: ['a'],
      settings: settings({
        onReset: () => {
          if (++calls === 2) throw new Error('backlog hiccup')
        },
        onEvent: (e) => void events.push(e),
      }),
    })
    transport.links[0]!.sink.lost(new ConnectionError('memory: gone'))
    await until(() => events.some((e) => e.type === 'reconnected'))
    expect(events.map((e) => e.type)).toEqual(['connected', 'disconnected', 'connect-failed', 'reconnected'])
    expect(events[2]!.error).toMatchObject({ code: 'CALLBACK_FAILED', message: 'onReset failed: backlog hiccup' })
    expect(transport.links.map((l) => l.released)).toEqual([false, false, undefined])
    await listener.close()
  })

  it('the default reconnect backoff is core’s: 100 ms doubling up to 10 s', () => {
    expect(DEFAULT_RECONNECT).toEqual({ minDelayMs: 100, maxDelayMs: 10_000 })
  })
})
