import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { describe, expect, it } from 'vitest'
import { ClosedError, ConnectionError } from '@liteorm/core'
import { createNotification, NotificationQueue } from '@liteorm/core/backend'

const n = (payload: string) => createNotification('c', payload, 1)

describe('NotificationQueue', () => {
  it('hands out in push order, to waiting receivers first-come first-served', async () => {
    const q = new NotificationQueue({ highWaterMark: 100, lowWaterMark: 10 })
    const first = q.receive()
    const second = q.receive()
    q.push(n('a'))
    q.push(n('b'))
    q.push(n('c'))
    expect((await first).payload).toBe('a')
    expect((await second).payload).toBe('b')
    expect((await q.receive()).payload).toBe('c')
  })

  it('hold() keeps deliveries queued; release() hands them out in order', async () => {
    const q = new NotificationQueue({ highWaterMark: 100, lowWaterMark: 10 })
    q.hold()
    const waiting = q.receive()
    q.push(n('a'))
    q.push(n('b'))
    let settled = false
    void waiting.then(() => (settled = true))
    await Promise.resolve()
    expect(settled).toBe(false)
    q.release()
    expect((await waiting).payload).toBe('a')
    expect((await q.receive()).payload).toBe('b')
  })

  it('an aborted receive is removed and consumes nothing', async () => {
    const q = new NotificationQueue({ highWaterMark: 100, lowWaterMark: 10 })
    const c = new AbortController()
    const aborted = q.receive(c.signal)
    c.abort(new Error('stop'))
    await expect(aborted).rejects.toThrow('stop')
    q.push(n('kept'))
    expect((await q.receive()).payload).toBe('kept')
    await expect(q.receive(AbortSignal.abort(new Error('pre')))).rejects.toThrow('pre')
  })

  it('end with discard drops the queue; without, queued items go out before the error', async () => {
    const closed = new NotificationQueue({ highWaterMark: 100, lowWaterMark: 10 })
    closed.push(n('dropped'))
    closed.end(new ClosedError('closed'), { discard: true })
    await expect(closed.receive()).rejects.toBeInstanceOf(ClosedError)
    const lost = new NotificationQueue({ highWaterMark: 100, lowWaterMark: 10 })
    lost.push(n('kept'))
    lost.end(new ConnectionError('lost'), { discard: false })
    expect((await lost.receive()).payload).toBe('kept')
    await expect(lost.receive()).rejects.toBeInstanceOf(ConnectionError)
  })

  it('calls onHighWater once at the mark and onLowWater once drained to the low mark', async () => {
    const calls: string[] = []
    const q = new NotificationQueue({ highWaterMark: 4, lowWaterMark: 1, onHighWater: () => calls.push('high'), onLowWater: () => calls.push('low') })
    for (let i = 0; i < 6; i++) q.push(n(String(i)))
    expect(calls).toEqual(['high'])
    for (let i = 0; i < 4; i++) await q.receive()
    expect(calls).toEqual(['high'])
    await q.receive()
    expect(calls).toEqual(['high', 'low'])
  })

  it('stays in order across many items (internal compaction)', async () => {
    const q = new NotificationQueue({ highWaterMark: Infinity, lowWaterMark: 0 })
    for (let i = 0; i < 20_000; i++) q.push(n(String(i)))
    for (let i = 0; i < 10_000; i++) expect((await q.receive()).payload).toBe(String(i))
    for (let i = 20_000; i < 25_000; i++) q.push(n(String(i)))
    for (let i = 10_000; i < 25_000; i++) expect((await q.receive()).payload).toBe(String(i))
    expect(q.size).toBe(0)
  })

  it('tryTake() hands out what is queued now, in order, and nothing while empty or held; a drain to the low mark resumes the producer', () => {
    let lowWater = 0
    const q = new NotificationQueue({ highWaterMark: 2, lowWaterMark: 0, onLowWater: () => lowWater++ })
    expect(q.tryTake()).toBeUndefined()
    q.push(n('a'))
    q.push(n('b'))
    q.hold()
    expect(q.tryTake()).toBeUndefined()
    q.release()
    expect(q.tryTake()?.payload).toBe('a')
    expect(lowWater).toBe(0)
    expect(q.tryTake()?.payload).toBe('b')
    expect(lowWater).toBe(1)
    expect(q.tryTake()).toBeUndefined()
  })

  it('lets go of a notification once it is handed out, while later ones are still queued', async () => {
    setFlagsFromString('--expose-gc')
    const gc = runInNewContext('gc') as () => void
    const q = new NotificationQueue({ highWaterMark: 100, lowWaterMark: 10 })
    const taken = (() => {
      q.push(n('taken'))
      q.push(n('still queued'))
      return new WeakRef(q.tryTake()!)
    })()
    await new Promise((resolve) => setImmediate(resolve)) // a WeakRef holds its target until the job ends
    gc()
    expect(taken.deref()).toBeUndefined()
    expect(q.size).toBe(1)
  })

  it('clear() drops what is queued and says how many', () => {
    const q = new NotificationQueue({ highWaterMark: 100, lowWaterMark: 10 })
    q.push(n('a'))
    q.push(n('b'))
    expect(q.clear()).toBe(2)
    expect(q.size).toBe(0)
  })

  it('the iterator ends on ClosedError and throws any other ending error', async () => {
    const q = new NotificationQueue({ highWaterMark: 100, lowWaterMark: 10 })
    q.push(n('a'))
    q.end(new ClosedError('closed'), { discard: false })
    const seen: string[] = []
    for await (const item of q.iterator()) seen.push(item.payload)
    expect(seen).toEqual(['a'])
    const failing = new NotificationQueue({ highWaterMark: 100, lowWaterMark: 10 })
    failing.end(new ConnectionError('lost'), { discard: false })
    await expect(failing.iterator().next()).rejects.toBeInstanceOf(ConnectionError)
  })
})
