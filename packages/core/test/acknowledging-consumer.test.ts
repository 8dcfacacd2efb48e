import { describe, expect, it } from 'vitest'
import { createNotification, ListenerCore, listenerSettings, type LinkSink, type ListenerLink, type ListenerTransport } from '@liteorm/core/backend'

// The at-least-once bookkeeping of ListenerCore, on an in-memory transport
// that asks for acknowledgements (as a durable replication slot does).

class AckingTransport implements ListenerTransport {
  readonly target = 'memory'
  readonly acknowledged: number[] = []
  sink: LinkSink | undefined

  async open(_channels: readonly string[], sink: LinkSink): Promise<ListenerLink> {
    this.sink = sink
    return {
      listen: async () => {},
      unlisten: async () => {},
      unlistenAll: async () => {},
      pause: () => {},
      resume: () => {},
      probe: async () => undefined,
      release: async () => {},
    }
  }

  acknowledge(count: number): void {
    this.acknowledged.push(count)
  }

  send(...payloads: string[]): void {
    for (const p of payloads) this.sink!.deliver(createNotification('c', p, 1))
  }
}

const settings = listenerSettings({}, () => ({ reconnect: false, healthCheckMs: 0, connectTimeoutMs: 1000 }))

describe('ListenerCore with a transport that acknowledges', () => {
  it('acknowledges a received notification only when the consumer asks for the next one, never on close', async () => {
    const transport = new AckingTransport()
    const listener = await ListenerCore.open({ transport, channels: ['c'], settings })
    transport.send('a', 'b', 'c')
    expect((await listener.receive()).payload).toBe('a')
    expect(transport.acknowledged).toEqual([])
    expect((await listener.receive()).payload).toBe('b')
    expect(transport.acknowledged).toEqual([1])
    await listener.close()
    expect(transport.acknowledged).toEqual([1])
  })

  it('for await acknowledges the previous notification at each step, and the last one when the loop ends', async () => {
    const transport = new AckingTransport()
    const listener = await ListenerCore.open({ transport, channels: ['c'], settings })
    transport.send('a', 'b', 'c')
    const seen: string[] = []
    for await (const n of listener) {
      seen.push(`${n.payload}@${transport.acknowledged.length}`)
      if (n.payload === 'c') break
    }
    expect(seen).toEqual(['a@0', 'b@1', 'c@2'])
    expect(transport.acknowledged).toEqual([1, 1, 1])
    await listener.close()
  })
})
