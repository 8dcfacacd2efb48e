import { describe, expect, it } from 'vitest'
import { ConnectionError } from '@liteorm/core'
import { createNotification, ListenerCore, listenerSettings, type LinkSink, type ListenerLink, type ListenerTransport } from '@liteorm/core/backend'

// ListenerCore.status, the counters status(db) reports, on an in-memory
// transport (see listener-core.test.ts for the core's other promises).

class Link implements ListenerLink {
  paused = false
  constructor(readonly sink: LinkSink) {}
  async listen(): Promise<void> {}
  async unlisten(): Promise<void> {}
  async unlistenAll(): Promise<void> {}
  pause(): void {
    this.paused = true
  }
  resume(): void {
    this.paused = false
  }
  async probe(): Promise<undefined> {
    return undefined
  }
  async release(): Promise<void> {}
}

/** Opens links at once; while `refusing`, each attempt fails. */
class Transport implements ListenerTransport {
  readonly target = 'memory'
  readonly links: Link[] = []
  refusing = false
  async open(_channels: readonly string[], sink: LinkSink): Promise<ListenerLink> {
    if (this.refusing) throw new ConnectionError('memory: refused')
    const link = new Link(sink)
    this.links.push(link)
    return link
  }
}

const until = async (check: () => boolean): Promise<void> => {
  for (let i = 0; i < 400 && !check(); i++) await new Promise((r) => setTimeout(r, 5))
  expect(check()).toBe(true)
}

describe('ListenerCore.status', () => {
  it('counts what arrived, what waits and whether reading is paused', async () => {
    const transport = new Transport()
    const settings = listenerSettings({ maxBuffered: 3 }, () => ({ reconnect: { minDelayMs: 5, maxDelayMs: 10 }, healthCheckMs: 0, connectTimeoutMs: 1000 }))
    const listener = await ListenerCore.open({ transport, channels: ['a', 'b'], settings })
    expect(listener.status).toMatchObject({ connected: true, reconnects: 0, received: 0, buffered: 0, paused: false, channels: ['a', 'b'] })
    expect(listener.status.lastEventAt).toBeInstanceOf(Date) // 'connected'
    const link = transport.links[0]!
    for (let i = 0; i < 3; i++) link.sink.deliver(createNotification('a', String(i), 1))
    expect(listener.status).toMatchObject({ received: 3, buffered: 3, paused: true })
    expect(link.paused).toBe(true)
    await listener.receive()
    await listener.receive()
    expect(listener.status).toMatchObject({ received: 3, buffered: 1, paused: false })
    await listener.close()
  })

  it('is not connected while reconnecting, counts each reconnection, and notes when it last told onEvent', async () => {
    const transport = new Transport()
    const events: string[] = []
    const settings = listenerSettings({ onEvent: (e) => void events.push(e.type) }, () => ({
      reconnect: { minDelayMs: 5, maxDelayMs: 10 },
      healthCheckMs: 0,
      connectTimeoutMs: 1000,
    }))
    const listener = await ListenerCore.open({ transport, channels: ['a'], settings })
    const connectedAt = listener.status.lastEventAt!
    transport.refusing = true
    transport.links[0]!.sink.lost(new ConnectionError('memory: gone'))
    expect(listener.status.connected).toBe(false)
    await until(() => events.includes('connect-failed'))
    expect(listener.status.lastEventAt!.getTime()).toBeGreaterThanOrEqual(connectedAt.getTime())
    expect(listener.status.reconnects).toBe(0)
    transport.refusing = false
    await until(() => listener.status.connected)
    expect(listener.status.reconnects).toBe(1)
    transport.links[1]!.sink.lost(new ConnectionError('memory: gone again'))
    await until(() => listener.status.reconnects === 2)
    expect(events.filter((e) => e === 'reconnected')).toHaveLength(2)
    await listener.close()
  })
})
