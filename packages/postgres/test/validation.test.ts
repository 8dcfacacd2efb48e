import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ConnectionError, InvalidArgumentError, listen, notify, open, type PostgresDB } from '@liteorm/postgres'
import { freePort } from '@liteorm/testing'
import { useDatabase } from '@liteorm/testing/vitest'

// `unreachable` points at a port nobody listens on: any I/O would fail with
// ConnectionError, so an InvalidArgumentError proves the check ran first.
let unreachable: PostgresDB<unknown>
let db: PostgresDB<unknown>
beforeAll(async () => {
  unreachable = open(`postgres://app:pw@127.0.0.1:${await freePort()}/app`)
  db = open(await useDatabase('validation'))
})
afterAll(() => Promise.all([unreachable.close(), db.close()]))

const ascii64 = 'c'.repeat(64)
const multibyte64 = 'é'.repeat(32) // 32 characters, 64 bytes of UTF-8
const multibyte63 = 'é'.repeat(31) + 'x' // 32 characters, 63 bytes

describe('bad input is answered with InvalidArgumentError before any I/O', () => {
  const badChannels: [string, unknown, RegExp][] = [
    ['an empty channel', '', /must not be empty/],
    ['a channel of 64 ASCII bytes', ascii64, /64 bytes.*at most 63/],
    ['a channel of 64 bytes in 32 multibyte characters', multibyte64, /64 bytes.*at most 63/],
    ['a channel with a NUL byte', 'jo\0bs', /NUL byte/],
    ['a channel that is not a string', 42, /must be a string/],
  ]
  for (const [what, channel, message] of badChannels) {
    it(`notify rejects ${what}`, async () => {
      const error = await notify(unreachable, channel as string, 'x').catch((e: unknown) => e)
      expect(error).toBeInstanceOf(InvalidArgumentError)
      expect((error as Error).message).toMatch(message)
    })
    it(`listen rejects ${what}`, async () => {
      await expect(listen(unreachable, [channel as string])).rejects.toBeInstanceOf(InvalidArgumentError)
    })
  }

  const badPayloads: [string, unknown, RegExp][] = [
    ['a payload with a NUL byte', 'a\0b', /NUL byte/],
    ['a payload of 8000 ASCII bytes', 'p'.repeat(8000), /8000 bytes/],
    ['a payload of 8000 bytes in 4000 two-byte characters', 'é'.repeat(4000), /8000 bytes/],
    ['a payload of 8001 bytes in 2667 three-byte characters', '€'.repeat(2667), /8001 bytes/],
    ['a payload that is not a string', { id: 1 }, /must be a string.*JSON.stringify/],
  ]
  for (const [what, payload, message] of badPayloads) {
    it(`notify rejects ${what}`, async () => {
      const error = await notify(unreachable, 'jobs', payload as string).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(InvalidArgumentError)
      expect((error as Error).message).toMatch(message)
    })
  }

  it('valid input on the unreachable server does reach I/O, and fails with ConnectionError', async () => {
    await expect(notify(unreachable, 'jobs', 'x')).rejects.toBeInstanceOf(ConnectionError)
    await expect(listen(unreachable, 'jobs')).rejects.toBeInstanceOf(ConnectionError)
  })

  it('listen() and unlisten() on a live listener reject bad channels too', async () => {
    const l = await listen(db, 'valid')
    await expect(l.listen('')).rejects.toBeInstanceOf(InvalidArgumentError)
    await expect(l.listen(multibyte64)).rejects.toBeInstanceOf(InvalidArgumentError)
    await expect(l.unlisten('a\0b')).rejects.toBeInstanceOf(InvalidArgumentError)
    expect(l.channels).toEqual(['valid'])
    await l.close()
  })

  it('listen rejects bad options', async () => {
    await expect(listen(unreachable, 'jobs', { reconnect: { minDelayMs: -1 } })).rejects.toBeInstanceOf(InvalidArgumentError)
    await expect(listen(unreachable, 'jobs', { reconnect: { minDelayMs: 500, maxDelayMs: 100 } })).rejects.toThrow(/maxDelayMs/)
    await expect(listen(unreachable, 'jobs', { healthCheckMs: 0 })).rejects.toThrow(/healthCheckMs/)
    // @ts-expect-error: not a function
    await expect(listen(unreachable, 'jobs', { onReset: 'later' })).rejects.toThrow(/onReset must be a function/)
  })

  it('notify and listen reject something that is not a PostgreSQL session', async () => {
    await expect(notify({} as PostgresDB<unknown>, 'jobs')).rejects.toThrow(/needs a DB from @liteorm\/postgres/)
    await expect(listen({ dialect: 'sqlite' } as unknown as PostgresDB<unknown>, 'jobs')).rejects.toThrow(/got one on sqlite/)
  })
})

describe('the limits are the server\'s: values just inside them go through', () => {
  it('a 63-byte multibyte channel and a 7999-byte payload are delivered intact', async () => {
    const payload = 'é'.repeat(3999) + 'x' // 7999 bytes
    const l = await listen(db, multibyte63)
    await notify(db, multibyte63, payload)
    const n = await l.receive(AbortSignal.timeout(5000))
    expect(n.channel).toBe(multibyte63)
    expect(n.payload).toBe(payload)
    await l.close()
  })
})
