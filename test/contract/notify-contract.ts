import { beforeAll, describe, expect, it } from 'vitest'
import { ClosedError, InvalidArgumentError, sql, type DB, type ListenerEvent, type Notification, type ResetInfo } from '@liteorm/core'
import { gate, type Backend } from './backends.js'

/** Expects that nothing arrives within a short while: a check of absence, not of timing. */
const NOTHING_WITHIN = AbortSignal.timeout.bind(AbortSignal, 300)

/**
 * The notify/listen contract: PostgreSQL's LISTEN/NOTIFY semantics, the
 * same tests on every backend. Call inside a `describe` whose `beforeAll`
 * has run `backend.prepare()`.
 */
export function notifyContract(backend: Backend): void {
  const { dialect } = backend
  let db: DB

  beforeAll(() => {
    db = backend.open()
    return () => db.close()
  })

  const receive = (l: { receive(signal?: AbortSignal): Promise<Notification> }): Promise<Notification> => l.receive(AbortSignal.timeout(5000))

  describe('notify and listen', () => {
    it('delivers a notification with channel, payload and the sender pid, as a frozen value', async () => {
      const l = await backend.listen(db, ['jobs'])
      const sender = await db.transaction(async (tx) => {
        await backend.notify(tx, 'jobs', '{"id":1}')
        return backend.senderPid(tx)
      })
      const n = await receive(l)
      // The logical transport's WAL records carry no pid; they have a position (the message's LSN) instead.
      const expected = backend.transport === 'logical' ? { pid: 0, position: expect.stringMatching(/^[0-9A-F]+\/[0-9A-F]+$/) } : { pid: sender }
      expect(n).toEqual({ channel: 'jobs', payload: '{"id":1}', ...expected })
      expect(Object.isFrozen(n)).toBe(true)
      await l.close()
    })

    it('listen resolves only once it is in place: a notify right after it is heard', async () => {
      for (let i = 0; i < 5; i++) {
        const l = await backend.listen(db, `ready_${i}`)
        await backend.notify(db, `ready_${i}`, String(i))
        expect((await receive(l)).payload).toBe(String(i))
        await l.close()
      }
    })

    it('a listener hears nothing sent before it started', async () => {
      await backend.notify(db, 'before', 'too early')
      const l = await backend.listen(db, 'before')
      await backend.notify(db, 'before', 'in time')
      expect((await receive(l)).payload).toBe('in time')
      await expect(l.receive(NOTHING_WITHIN())).rejects.toMatchObject({ name: 'TimeoutError' })
      await l.close()
    })

    it('a notification without payload arrives with an empty payload', async () => {
      const l = await backend.listen(db, 'empty')
      await backend.notify(db, 'empty')
      expect((await receive(l)).payload).toBe('')
      await l.close()
    })

    it('channel names are exact and case-sensitive: Audit and audit are different channels', async () => {
      const l = await backend.listen(db, ['Audit'])
      await backend.notify(db, 'audit', 'lower')
      await backend.notify(db, 'AUDIT', 'upper')
      await backend.notify(db, 'Audit', 'exact')
      expect((await receive(l)).payload).toBe('exact')
      await expect(l.receive(NOTHING_WITHIN())).rejects.toMatchObject({ name: 'TimeoutError' })
      await l.close()
    })

    it('channel names may hold any characters, and payloads any text', async () => {
      const names = ['with space', 'semi;colon', 'quote"d', "it's", 'Ünïcödé ✓', 'drop table x; --', '123starts_with_digit', 'a'.repeat(63)]
      const l = await backend.listen(db, names)
      for (const name of names) await backend.notify(db, name, `${name} → ✓ 'quoted' "too"`)
      const got: Notification[] = []
      for (const _ of names) got.push(await receive(l))
      expect(got.map((n) => n.channel)).toEqual(names)
      expect(got.map((n) => n.payload)).toEqual(names.map((name) => `${name} → ✓ 'quoted' "too"`))
      await l.close()
    })

    it('delivers in send order within a transaction and across channels, none lost or duplicated', async () => {
      const l = await backend.listen(db, ['order_a', 'order_b'])
      const count = 2000
      await db.transaction(async (tx) => {
        for (let i = 1; i <= count; i++) await backend.notify(tx, i % 2 === 0 ? 'order_a' : 'order_b', String(i))
      })
      const payloads: number[] = []
      for (let i = 0; i < count; i++) payloads.push(Number((await receive(l)).payload))
      expect(payloads).toEqual(Array.from({ length: count }, (_, i) => i + 1))
      await expect(l.receive(NOTHING_WITHIN())).rejects.toMatchObject({ name: 'TimeoutError' })
      await l.close()
    })

    it('notify in a transaction is delivered at commit, and not at all on rollback', async () => {
      const l = await backend.listen(db, 'tx')
      await expect(
        db.transaction(async (tx) => {
          await backend.notify(tx, 'tx', 'rolled back')
          throw new Error('abort')
        }),
      ).rejects.toThrow('abort')
      await db.transaction(async (tx) => {
        await backend.notify(tx, 'tx', 'committed')
        await expect(l.receive(NOTHING_WITHIN())).rejects.toMatchObject({ name: 'TimeoutError' })
      })
      expect((await receive(l)).payload).toBe('committed')
      await expect(l.receive(NOTHING_WITHIN())).rejects.toMatchObject({ name: 'TimeoutError' })
      await l.close()
    })

    it('a notification sent in a savepoint that rolls back is discarded; the rest of the transaction is delivered', async () => {
      const l = await backend.listen(db, 'savepoint')
      await db.transaction(async (tx) => {
        await backend.notify(tx, 'savepoint', 'outer, before')
        await expect(
          tx.transaction(async (inner) => {
            await backend.notify(inner, 'savepoint', 'inner, rolled back')
            throw new Error('inner')
          }),
        ).rejects.toThrow('inner')
        await tx.transaction((inner) => backend.notify(inner, 'savepoint', 'inner, released'))
        await backend.notify(tx, 'savepoint', 'outer, after')
      })
      const got = [await receive(l), await receive(l), await receive(l)].map((n) => n.payload)
      expect(got).toEqual(['outer, before', 'inner, released', 'outer, after'])
      await expect(l.receive(NOTHING_WITHIN())).rejects.toMatchObject({ name: 'TimeoutError' })
      await l.close()
    })

    it('transactions are delivered in commit order', async () => {
      const l = await backend.listen(db, 'commit_order')
      if (dialect === 'postgres') {
        // Interleave: the first to notify commits last. PostgreSQL delivers in commit order.
        const firstNotified = gate()
        const secondCommitted = gate()
        const first = db.transaction(async (tx) => {
          await backend.notify(tx, 'commit_order', 'notified first, committed second')
          firstNotified.open()
          await secondCommitted.passed
        })
        await firstNotified.passed
        await db.transaction((tx) => backend.notify(tx, 'commit_order', 'notified second, committed first'))
        secondCommitted.open()
        await first
        expect([(await receive(l)).payload, (await receive(l)).payload]).toEqual(['notified second, committed first', 'notified first, committed second'])
      } else {
        // SQLite runs one writing transaction at a time (BEGIN IMMEDIATE), so transactions cannot
        // interleave: started side by side, they commit one after the other, and deliver in that order.
        const committed: string[] = []
        await Promise.all(
          ['one', 'two', 'three'].map((name) =>
            db.transaction(async (tx) => {
              await backend.notify(tx, 'commit_order', name)
              committed.push(name)
            }),
          ),
        )
        expect([(await receive(l)).payload, (await receive(l)).payload, (await receive(l)).payload]).toEqual(committed)
      }
      await l.close()
    })

    it('every listener on a channel gets its own copy', async () => {
      const a = await backend.listen(db, 'fanout')
      const b = await backend.listen(db, ['other', 'fanout'])
      await backend.notify(db, 'fanout', 'to all')
      expect((await receive(a)).payload).toBe('to all')
      expect((await receive(b)).payload).toBe('to all')
      await Promise.all([a.close(), b.close()])
    })
  })

  describe('receive and abort', () => {
    it('aborting a receive rejects that call only; the listener stays usable and keeps what was queued', async () => {
      const l = await backend.listen(db, 'abort')
      const controller = new AbortController()
      const pending = l.receive(controller.signal)
      controller.abort(new Error('changed my mind'))
      await expect(pending).rejects.toThrow('changed my mind')
      await backend.notify(db, 'abort', 'one')
      await backend.notify(db, 'abort', 'two')
      expect((await receive(l)).payload).toBe('one')
      expect((await receive(l)).payload).toBe('two')
      await l.close()
    })

    it('a receive cancelled by a timeout rejects with TimeoutError and consumes nothing', async () => {
      const l = await backend.listen(db, 'timeout')
      await expect(l.receive(AbortSignal.timeout(50))).rejects.toMatchObject({ name: 'TimeoutError' })
      await backend.notify(db, 'timeout', 'after the timeout')
      expect((await receive(l)).payload).toBe('after the timeout')
      await l.close()
    })

    it('an already-aborted signal rejects at once and consumes nothing', async () => {
      const l = await backend.listen(db, 'preaborted')
      await backend.notify(db, 'preaborted', 'kept')
      await expect(l.receive(AbortSignal.abort(new Error('already aborted')))).rejects.toThrow('already aborted')
      expect((await receive(l)).payload).toBe('kept')
      await l.close()
    })

    it('async iteration yields notifications in order and ends when the listener closes', async () => {
      const l = await backend.listen(db, 'iterate')
      for (let i = 0; i < 3; i++) await backend.notify(db, 'iterate', String(i))
      const seen: Notification[] = []
      for await (const n of l) {
        seen.push(n)
        if (seen.length === 3) void l.close()
      }
      expect(seen.map((n) => n.payload)).toEqual(['0', '1', '2'])
    })
  })

  describe('close', () => {
    it('close() while receive() is pending rejects it with ClosedError, and later receives too', async () => {
      const l = await backend.listen(db, 'closing')
      const pending = expect(l.receive()).rejects.toBeInstanceOf(ClosedError)
      await l.close()
      await pending
      await expect(l.receive()).rejects.toMatchObject({ name: 'ClosedError', code: 'CLOSED' })
    })

    it('close() is idempotent, and the listener refuses further use with ClosedError', async () => {
      const l = await backend.listen(db, 'twice')
      await Promise.all([l.close(), l.close()])
      await l.close()
      await expect(l.listen('more')).rejects.toBeInstanceOf(ClosedError)
      await expect(l.unlisten('twice')).rejects.toBeInstanceOf(ClosedError)
      await expect(l.ping()).rejects.toBeInstanceOf(ClosedError)
    })

    it('db.close() closes its listeners first: a pending receive rejects with ClosedError', async () => {
      const own = backend.open()
      const l = await backend.listen(own, 'db_close')
      const pending = expect(l.receive()).rejects.toMatchObject({ name: 'ClosedError', code: 'CLOSED' })
      await own.close()
      await pending
    })
  })

  describe('channels', () => {
    it('listen and unlisten change what is heard; channels lists them in the order added', async () => {
      const l = await backend.listen(db, ['one'])
      await l.listen('two')
      await l.listen('three')
      expect(l.channels).toEqual(['one', 'two', 'three'])
      await l.unlisten('two')
      expect(l.channels).toEqual(['one', 'three'])
      await backend.notify(db, 'two', 'not heard')
      await backend.notify(db, 'three', 'heard')
      expect((await receive(l)).payload).toBe('heard')
      await l.unlistenAll()
      expect(l.channels).toEqual([])
      await backend.notify(db, 'one', 'not heard either')
      await expect(l.receive(NOTHING_WITHIN())).rejects.toMatchObject({ name: 'TimeoutError' })
      await l.listen('one')
      await backend.notify(db, 'one', 'heard again')
      expect((await receive(l)).payload).toBe('heard again')
      await l.close()
    })

    it('duplicate listen and unknown unlisten reject with InvalidArgumentError, changing nothing', async () => {
      const l = await backend.listen(db, ['dup'])
      await expect(l.listen('dup')).rejects.toBeInstanceOf(InvalidArgumentError)
      await expect(l.unlisten('nope')).rejects.toMatchObject({ name: 'InvalidArgumentError', code: 'INVALID_ARGUMENT' })
      expect(l.channels).toEqual(['dup'])
      await l.close()
    })

    it('one rule for channel lists: a channel listed twice is refused like a second l.listen() of it; an empty list starts a listener that channels join later', async () => {
      await expect(backend.listen(db, ['twice', 'other', 'twice'])).rejects.toMatchObject({ name: 'InvalidArgumentError', message: expect.stringMatching(/"twice" is listed twice/) })
      const l = await backend.listen(db, [])
      expect(l.channels).toEqual([])
      await l.listen('later')
      await expect(l.listen('later')).rejects.toBeInstanceOf(InvalidArgumentError)
      await backend.notify(db, 'later', 'joined later')
      expect((await receive(l)).payload).toBe('joined later')
      await l.close()
    })

    it('ping() resolves on a live listener', async () => {
      const l = await backend.listen(db, 'ping')
      await expect(l.ping()).resolves.toBeUndefined()
      await l.close()
    })

    it("onReset runs once after the listener starts (reconnected: false) and onEvent is told 'connected'", async () => {
      const resets: ResetInfo[] = []
      const events: ListenerEvent['type'][] = []
      const l = await backend.listen(db, ['reset_a', 'reset_b'], {
        onReset: (info) => void resets.push(info),
        onEvent: (e) => void events.push(e.type),
      })
      expect(resets).toEqual([{ reconnected: false, channels: ['reset_a', 'reset_b'] }])
      expect(events).toEqual(['connected'])
      await l.close()
    })

    it('notifications committed while onReset runs are delivered after it, none lost', async () => {
      const l = await backend.listen(db, 'during_reset', {
        onReset: async () => {
          await backend.notify(db, 'during_reset', 'sent during onReset')
        },
      })
      expect((await receive(l)).payload).toBe('sent during onReset')
      await l.close()
    })

    it('a failing first onReset rejects listen() with a CallbackError (code CALLBACK_FAILED) whose cause is what it threw', async () => {
      const thrown = new Error('backlog unreadable')
      await expect(
        backend.listen(db, 'reset_fails', {
          onReset: () => {
            throw thrown
          },
        }),
      ).rejects.toMatchObject({ name: 'CallbackError', code: 'CALLBACK_FAILED', message: 'onReset failed: backlog unreadable', cause: thrown })
    })
  })

  describe('validation, before any I/O', () => {
    const bad: [string, unknown][] = [
      ['an empty channel', ''],
      ['a channel over 63 bytes', 'é'.repeat(32)],
      ['a channel with a NUL byte', 'a\0b'],
      ['a channel that is not a string', 42],
    ]

    it.each(bad)('notify rejects %s with InvalidArgumentError, even on a closed DB', async (_, channel) => {
      const closed = backend.open()
      await closed.close()
      await expect(backend.notify(db, channel as string, 'x')).rejects.toBeInstanceOf(InvalidArgumentError)
      await expect(backend.notify(closed, channel as string, 'x')).rejects.toBeInstanceOf(InvalidArgumentError)
    })

    it.each(bad)('listen rejects %s with InvalidArgumentError, even on a closed DB, and so does listener.listen', async (_, channel) => {
      const closed = backend.open()
      await closed.close()
      await expect(backend.listen(db, [channel as string])).rejects.toBeInstanceOf(InvalidArgumentError)
      await expect(backend.listen(closed, [channel as string])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
      const l = await backend.listen(db, 'valid')
      await expect(l.listen(channel as string)).rejects.toBeInstanceOf(InvalidArgumentError)
      expect(l.channels).toEqual(['valid'])
      await l.close()
    })

    it('a channel of exactly 63 bytes is accepted', async () => {
      const l = await backend.listen(db, 'é'.repeat(31) + 'x')
      await backend.notify(db, 'é'.repeat(31) + 'x', 'fits')
      expect((await receive(l)).payload).toBe('fits')
      await l.close()
    })

    it("a payload over the transport's maximum (8000 bytes or more on NOTIFY), with a NUL byte, or not a string, rejects with InvalidArgumentError; 7999 bytes is sent", async () => {
      const closed = backend.open()
      await closed.close()
      const over = backend.maxPayloadBytes + 1
      for (const payload of ['x'.repeat(over), 'é'.repeat(Math.ceil(over / 2)), 'a\0b', 42 as unknown as string]) {
        await expect(backend.notify(closed, 'payload', payload)).rejects.toBeInstanceOf(InvalidArgumentError)
      }
      const l = await backend.listen(db, 'payload')
      await backend.notify(db, 'payload', 'x'.repeat(7999))
      expect((await receive(l)).payload).toHaveLength(7999)
      await l.close()
    })

    it('bad listen options reject with InvalidArgumentError', async () => {
      // @ts-expect-error: onReset must be a function
      await expect(backend.listen(db, 'opts', { onReset: 'later' })).rejects.toBeInstanceOf(InvalidArgumentError)
      // @ts-expect-error: channels must be a string or an array
      await expect(backend.listen(db, 42)).rejects.toBeInstanceOf(InvalidArgumentError)
    })

    it('notify and listen reject a value that is not a DB of their backend with InvalidArgumentError', async () => {
      await expect(backend.notify({} as DB, 'x')).rejects.toBeInstanceOf(InvalidArgumentError)
      await expect(backend.listen({} as DB, 'x')).rejects.toBeInstanceOf(InvalidArgumentError)
    })

    it('the notification table or queue is never written by a rejected notify', async () => {
      const l = await backend.listen(db, 'never')
      await expect(backend.notify(db, 'never', 'x'.repeat(backend.maxPayloadBytes + 1))).rejects.toBeInstanceOf(InvalidArgumentError)
      await expect(l.receive(NOTHING_WITHIN())).rejects.toMatchObject({ name: 'TimeoutError' })
      await l.close()
      expect(await db.queryOne(sql<{ ok: number }>`select 1 as ok`)).toEqual({ ok: 1 })
    })
  })
}
