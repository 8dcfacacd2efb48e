import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ClosedError, InvalidArgumentError, listen, notify, open, sql, type PostgresDB } from '@liteorm/postgres'
import { EventLog, expectNoBackends, killBackends } from '../../../test/listener-probe.js'
import { useDatabase } from '@liteorm/testing/vitest'

// The scenarios of lib/pq's Listener tests (listen, unlisten, unlistenAll, a
// failed query, reconnect, close twice, ping around close), written for our API.
let url: string
let sender: PostgresDB<unknown>
beforeAll(async () => {
  url = await useDatabase('libpq_scenarios')
  sender = open(url)
})
afterAll(() => sender.close())

const quiet = (ms = 300): AbortSignal => AbortSignal.timeout(ms)

describe("lib/pq's Listener scenarios", () => {
  it('listen: a notification on a listened channel arrives with the sender pid and payload', async () => {
    const l = await listen(sender, [])
    await l.listen('notify_listen_test')
    const { pid } = await sender.transaction(async (tx) => {
      await notify(tx, 'notify_listen_test', 'hello')
      return tx.queryOne(sql<{ pid: number }>`select pg_backend_pid() as pid`)
    })
    expect(await l.receive(AbortSignal.timeout(5000))).toEqual({ channel: 'notify_listen_test', payload: 'hello', pid })
    await l.close()
  })

  it('unlisten: notifications sent before it are still delivered, none after', async () => {
    const l = await listen(sender, ['unlisten_test', 'kept'])
    await notify(sender, 'unlisten_test', 'before')
    await l.unlisten('unlisten_test')
    await notify(sender, 'unlisten_test', 'after')
    await notify(sender, 'kept', 'marker')
    expect((await l.receive(AbortSignal.timeout(5000))).payload).toBe('before')
    expect((await l.receive(AbortSignal.timeout(5000))).payload).toBe('marker')
    await expect(l.receive(quiet())).rejects.toMatchObject({ name: 'TimeoutError' })
    expect(l.channels).toEqual(['kept'])
    await l.close()
  })

  it('unlistenAll: nothing arrives afterwards on any channel, and channels is empty', async () => {
    const l = await listen(sender, ['all_a', 'all_b'])
    await l.unlistenAll()
    expect(l.channels).toEqual([])
    await notify(sender, 'all_a', 'x')
    await notify(sender, 'all_b', 'y')
    await expect(l.receive(quiet())).rejects.toMatchObject({ name: 'TimeoutError' })
    await l.listen('all_a') // usable again
    await notify(sender, 'all_a', 'back')
    expect((await l.receive(AbortSignal.timeout(5000))).payload).toBe('back')
    await l.close()
  })

  it('a failed operation on the listener neither disconnects it nor raises an event', async () => {
    // lib/pq runs a failing query on the listener's connection. Ours exposes no
    // arbitrary queries there; the failures a caller can cause are rejected
    // operations, and they must leave the connection and delivery untouched.
    const app = 'libpq-failed-query'
    const db = open({ connectionString: url, application_name: app })
    const events = new EventLog()
    const l = await listen(db, 'failed_query', { onEvent: events.record })
    await expect(l.listen('failed_query')).rejects.toBeInstanceOf(InvalidArgumentError)
    await expect(l.unlisten('never listened')).rejects.toBeInstanceOf(InvalidArgumentError)
    await expect(l.listen('')).rejects.toBeInstanceOf(InvalidArgumentError)
    await l.ping()
    await notify(sender, 'failed_query', 'still delivered')
    expect((await l.receive(AbortSignal.timeout(5000))).payload).toBe('still delivered')
    expect(events.types).toEqual(['connected'])
    await l.close()
    await db.close()
    await expectNoBackends(url, app)
  })

  it('reconnect: after the connection is killed, events say so and delivery resumes', async () => {
    const app = 'libpq-reconnect'
    const db = open({ connectionString: url, application_name: app })
    const events = new EventLog()
    const l = await listen(db, 'reconnect_test', { onEvent: events.record, reconnect: { minDelayMs: 20, maxDelayMs: 100 } })
    await notify(sender, 'reconnect_test', 'before kill')
    expect((await l.receive(AbortSignal.timeout(5000))).payload).toBe('before kill')
    await killBackends(url, app)
    await events.next('reconnected')
    await notify(sender, 'reconnect_test', 'after kill')
    expect((await l.receive(AbortSignal.timeout(5000))).payload).toBe('after kill')
    expect(events.types).toEqual(['connected', 'disconnected', 'reconnected'])
    await l.close()
    await db.close()
    await expectNoBackends(url, app)
  })

  it('close twice: the second close resolves and does nothing', async () => {
    const l = await listen(sender, 'close_twice')
    await l.close()
    await expect(l.close()).resolves.toBeUndefined()
  })

  it('ping before close succeeds; after close it rejects with ClosedError', async () => {
    const l = await listen(sender, 'ping_test')
    await expect(l.ping()).resolves.toBeUndefined()
    await l.close()
    await expect(l.ping()).rejects.toBeInstanceOf(ClosedError)
  })
})
