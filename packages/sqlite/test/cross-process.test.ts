import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { listen, notify, open, sql, type Notification } from '@liteorm/sqlite'
import { spawnFixture } from './fixtures/spawn-fixture.js'

const dir = mkdtempSync(join(tmpdir(), 'liteorm-sqlite-xp-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let files = 0
const newFile = (): string => join(dir, `xp-${++files}.db`)

describe('notifications across processes on one file', () => {
  it('a listener hears every notification another process commits, in order, from that pid, and none that it rolled back', async () => {
    const file = newFile()
    const db = open(file)
    const l = await listen(db, 'xp')
    const count = 300
    const notifier = spawnFixture('notifier.ts', [file, 'xp', String(count)])
    const got: Notification[] = []
    for (;;) {
      const n = await l.receive(AbortSignal.timeout(20_000))
      if (n.payload === 'done') break
      got.push(n)
    }
    await notifier.exited
    expect(got.map((n) => n.payload)).toEqual(Array.from({ length: count }, (_, i) => String(i + 1)))
    expect(new Set(got.map((n) => n.pid))).toEqual(new Set([notifier.pid]))
    expect(notifier.pid).not.toBe(process.pid)
    await expect(l.receive(AbortSignal.timeout(300))).rejects.toMatchObject({ name: 'TimeoutError' })
    await db.close()
  })

  it('a listener in another process hears what this one commits, in order, and nothing rolled back', async () => {
    const file = newFile()
    const db = open(file)
    const child = spawnFixture('listener.ts', [file, 'to_child'])
    expect(await child.nextLine()).toBe('ready')
    const sent: string[] = []
    for (let i = 1; i <= 50; i++) {
      await db.transaction(async (tx) => {
        await notify(tx, 'to_child', String(i))
        await notify(tx, 'elsewhere', 'not for the child')
      })
      sent.push(String(i))
      await db.transaction(async (tx) => {
        await notify(tx, 'to_child', `rolled back ${i}`)
        throw new Error('roll back')
      }).catch(() => undefined)
    }
    await notify(db, 'to_child', 'done')
    const heard: Notification[] = []
    for (;;) {
      const n = JSON.parse(await child.nextLine()) as Notification
      if (n.payload === 'done') break
      heard.push(n)
    }
    await child.exited
    expect(heard.map((n) => n.payload)).toEqual(sent)
    expect(heard.every((n) => n.channel === 'to_child' && n.pid === process.pid)).toBe(true)
    await db.close()
  })

  it('listen() on a channel does not hear what another process committed on it before, even when read later', async () => {
    const file = newFile()
    const db = open(file)
    // A poll interval this long means only this process's commits make the listener read.
    const l = await listen(db, 'a', { pollIntervalMs: 600_000 })
    await spawnFixture('notify-once.ts', [file, 'b', 'committed before listen(b)']).exited
    await l.listen('b')
    await notify(db, 'a', 'wakes the listener')
    expect((await l.receive(AbortSignal.timeout(5000))).payload).toBe('wakes the listener')
    await notify(db, 'b', 'committed after listen(b)')
    expect((await l.receive(AbortSignal.timeout(5000))).payload).toBe('committed after listen(b)')
    await db.close()
  })

  it('unlisten() on a channel still delivers what another process committed on it before, even when read later', async () => {
    const file = newFile()
    const db = open(file)
    const l = await listen(db, ['a', 'b'], { pollIntervalMs: 600_000 })
    await spawnFixture('notify-once.ts', [file, 'b', 'committed before unlisten(b)']).exited
    await l.unlisten('b')
    await notify(db, 'b', 'committed after unlisten(b)')
    await notify(db, 'a', 'wakes the listener')
    expect((await l.receive(AbortSignal.timeout(5000))).payload).toBe('committed before unlisten(b)')
    expect((await l.receive(AbortSignal.timeout(5000))).payload).toBe('wakes the listener')
    await expect(l.receive(AbortSignal.timeout(300))).rejects.toMatchObject({ name: 'TimeoutError' })
    await db.close()
  })
})

describe('two writer processes on one file', () => {
  const contend = async (busyTimeoutMs: number): Promise<{ busy: number; rows: number; distinct: number; integrity: string }> => {
    const file = newFile()
    const db = open(file)
    await db.exec(sql`create table writes (writer text not null, seq integer not null, primary key (writer, seq))`)
    const rows = 150
    const writers = ['w1', 'w2'].map((w) => spawnFixture('writer.ts', [file, w, String(rows), String(busyTimeoutMs)]))
    for (const w of writers) expect(await w.nextLine()).toBe('ready')
    for (const w of writers) w.send('go')
    const reports = await Promise.all(
      writers.map(async (w) => {
        const line = await w.nextLine()
        await w.exited
        return JSON.parse(line) as { writer: string; committed: number; busy: number }
      }),
    )
    expect(reports.map((r) => r.committed)).toEqual([rows, rows])
    const counted = await db.queryOne(sql<{ rows: number; distinct: number }>`
      select count(*) as rows, count(distinct writer || ':' || seq) as "distinct" from writes`)
    const { integrity } = await db.queryOne(sql<{ integrity: string }>`select integrity_check as integrity from pragma_integrity_check`)
    await db.close()
    return { busy: reports[0]!.busy + reports[1]!.busy, rows: counted.rows, distinct: counted.distinct, integrity }
  }

  it('with a 1 ms busy timeout, writers get BusyError and retry: every write lands once, the file stays sound', async () => {
    const result = await contend(1)
    expect(result).toMatchObject({ rows: 300, distinct: 300, integrity: 'ok' })
    // How many retries depends on scheduling; that none was lost or doubled does not.
    console.log(`two writers, busy timeout 1 ms: ${result.busy} BusyError retries`)
  })

  it('with the default busy timeout, writers wait for each other: no BusyError, every write lands once, the file stays sound', async () => {
    const result = await contend(5000)
    expect(result).toEqual({ busy: 0, rows: 300, distinct: 300, integrity: 'ok' })
  })
})
