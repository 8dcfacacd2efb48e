import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { notify, open, type PostgresDB } from '@liteorm/postgres'
import { FaultProxy } from '../../../test/fault-proxy.js'
import { useDatabase } from '@liteorm/testing/vitest'

const root = fileURLToPath(new URL('../../../', import.meta.url))

let url: string
let sender: PostgresDB<unknown>
beforeAll(async () => {
  url = await useDatabase('keeps_alive')
  sender = open(url)
})
afterAll(() => sender.close())

describe('a process whose only work is a listener loop', () => {
  it('stays alive through an outage (the listener backing off between refused attempts) and gets what is sent after it', async () => {
    const server = new URL(url)
    const proxy = await FaultProxy.start(server.hostname, Number(server.port))
    const script = fileURLToPath(new URL('fixtures/lone-listener.ts', import.meta.url))
    const child = spawn(process.execPath, ['--import', 'tsx', script, proxy.rewrite(url), 'alive'], {
      cwd: root,
      env: { ...process.env, TSX_TSCONFIG_PATH: fileURLToPath(new URL('tsconfig.source.json', `file://${root}`)) },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>
    let exitedEarly = false
    void exited.then(() => (exitedEarly = true))
    const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]()
    try {
      expect((await lines.next()).value).toBe('ready')
      proxy.refuse() // every reconnect attempt is reset: the listener backs off, 200..400 ms at a time
      proxy.reset() // and its connection is gone
      await new Promise((resolve) => setTimeout(resolve, 2000)) // several backoff sleeps with nothing else in the process
      expect(exitedEarly, `the listener's process exited during the outage: ${stderr}`).toBe(false)
      proxy.restore()
      // Sent until the listener, reconnected, hears one: what was sent while it was down is not its to receive.
      const heard = (async () => (await lines.next()).value as string)()
      for (let i = 0; !exitedEarly; i++) {
        await notify(sender, 'alive', 'end')
        const winner = await Promise.race([heard, new Promise((resolve) => setTimeout(resolve, 250, undefined))])
        if (winner !== undefined) break
        if (i > 120) throw new Error('the listener did not reconnect within 30 s')
      }
      expect(await heard).toBe('end')
      const [code] = await exited
      expect(code, stderr).toBe(0)
    } finally {
      child.kill()
      await proxy.close()
    }
  }, 60_000)
})
