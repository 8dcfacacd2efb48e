/**
 * The contract suite: the same Session tests and the same notify/listen,
 * subscribe and copyFrom tests on PostgreSQL and on SQLite. What differs between the two is listed
 * in ./backends.ts, and each branch in the tests says why.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import * as postgres from '@liteorm/postgres'
import * as sqlite from '@liteorm/sqlite'
import { backends } from './backends.js'
import { copyContract } from './copy-contract.js'
import { notifyContract } from './notify-contract.js'
import { sessionContract } from './session-contract.js'
import { subscribeContract } from './subscribe-contract.js'

describe.each(backends)('$dialect', (backend) => {
  beforeAll(() => backend.prepare())
  sessionContract(backend)
  notifyContract(backend)
  subscribeContract(backend)
  copyContract(backend)
})

describe('across backends', () => {
  it('pool() from @liteorm/postgres returns undefined for an SQLite DB and its transactions', async () => {
    const db = sqlite.open(':memory:')
    expect(postgres.pool(db)).toBeUndefined()
    await db.transaction(async (tx) => expect(postgres.pool(tx)).toBeUndefined())
    await db.close()
  })

  it("each backend's notify and listen reject the other backend's DB with InvalidArgumentError naming the dialect", async () => {
    const lite = sqlite.open(':memory:')
    const pg = postgres.open('postgres://nobody@127.0.0.1:1/never_connected')
    await expect(postgres.notify(lite, 'x')).rejects.toThrow(/sqlite/)
    await expect(postgres.listen(lite, 'x')).rejects.toBeInstanceOf(postgres.InvalidArgumentError)
    await expect(sqlite.notify(pg, 'x')).rejects.toThrow(/postgres/)
    await expect(sqlite.listen(pg, 'x')).rejects.toBeInstanceOf(sqlite.InvalidArgumentError)
    await Promise.all([lite.close(), pg.close()])
  })

  it("each backend's copyFrom rejects the other backend's DB with InvalidArgumentError naming the dialect", async () => {
    const lite = sqlite.open(':memory:')
    const pg = postgres.open('postgres://nobody@127.0.0.1:1/never_connected')
    await expect(postgres.copyFrom(lite, 't', ['a'], [[1]])).rejects.toThrow(/sqlite/)
    await expect(sqlite.copyFrom(pg, 't', ['a'], [[1]])).rejects.toBeInstanceOf(sqlite.InvalidArgumentError)
    await Promise.all([lite.close(), pg.close()])
  })
})
