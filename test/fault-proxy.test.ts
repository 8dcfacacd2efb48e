import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { FaultProxy } from './fault-proxy.js'

// The proxy is test equipment: these tests pin that each fault is the real
// TCP event it claims to be, against a plain echo server.
let echo: Server
let proxy: FaultProxy
beforeEach(async () => {
  echo = createServer((s) => s.on('error', () => undefined).pipe(s))
  await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve))
  proxy = await FaultProxy.start('127.0.0.1', (echo.address() as AddressInfo).port)
})
afterEach(async () => {
  await proxy.close()
  await new Promise<void>((resolve) => echo.close(() => resolve()))
})

function open(): Promise<Socket> {
  return new Promise((resolve) => {
    const s = connect(proxy.port, '127.0.0.1', () => resolve(s))
  })
}

function nextData(s: Socket, ms: number): Promise<string | 'timeout'> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      s.off('data', onData)
      resolve('timeout')
    }, ms)
    const onData = (d: Buffer): void => {
      clearTimeout(timer)
      resolve(d.toString())
    }
    s.once('data', onData)
  })
}

/** Resolves with 'end' (a FIN) or 'error <code>' (e.g. an RST), whichever ends `s`. */
function howItEnds(s: Socket): Promise<string> {
  return new Promise((resolve) => {
    s.on('end', () => resolve('end'))
    s.on('error', (e) => resolve(`error ${(e as NodeJS.ErrnoException).code}`))
  })
}

describe('FaultProxy', () => {
  it('forwards both ways', async () => {
    const s = await open()
    s.write('hello')
    expect(await nextData(s, 2000)).toBe('hello')
    s.destroy()
  })

  it('cut() ends the connection with a FIN', async () => {
    const s = await open()
    const ended = howItEnds(s)
    await new Promise((r) => setTimeout(r, 50))
    proxy.cut()
    expect(await ended).toBe('end')
    s.destroy()
  })

  it('reset() ends the connection with an RST', async () => {
    const s = await open()
    const ended = howItEnds(s)
    await new Promise((r) => setTimeout(r, 50))
    proxy.reset()
    expect(await ended).toBe('error ECONNRESET')
  })

  it('refuse() resets new connections at once and leaves open ones alone', async () => {
    const s = await open()
    proxy.refuse()
    const refused = connect(proxy.port, '127.0.0.1')
    const outcome = await new Promise<string>((resolve) => {
      refused.on('data', () => resolve('data'))
      refused.on('error', (e) => resolve(`error ${(e as NodeJS.ErrnoException).code}`))
      refused.on('close', () => resolve('closed'))
      refused.write('hello?')
    })
    expect(outcome).toMatch(/error ECONNRESET|closed/)
    s.write('still here')
    expect(await nextData(s, 2000)).toBe('still here')
    proxy.restore()
    s.destroy()
  })

  it('blackhole() stops forwarding without closing, for open and new connections; restore() lets traffic flow again', async () => {
    const s = await open()
    let closed = false
    s.on('close', () => (closed = true))
    proxy.blackhole()
    s.write('lost in the void?')
    expect(await nextData(s, 500)).toBe('timeout')
    const late = await open()
    late.write('late')
    expect(await nextData(late, 300)).toBe('timeout')
    expect(closed).toBe(false)
    proxy.restore()
    expect(await nextData(s, 2000)).toBe('lost in the void?')
    expect(await nextData(late, 2000)).toBe('late')
    s.destroy()
    late.destroy()
  })
})
