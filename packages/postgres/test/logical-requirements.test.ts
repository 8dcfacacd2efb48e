import { describe, expect, it } from 'vitest'
import { ConnectionError, listen, open } from '@liteorm/postgres'
import { admin, startEmbeddedPostgres } from '@liteorm/testing'
import { serverUrl, useDatabase } from '@liteorm/testing/vitest'
import { logicalUnsupported } from './logical-support.js'

const skip = await logicalUnsupported()

describe('logical transport: startup says what the server lacks', () => {
  it('wal_level=replica: set wal_level=logical and restart', async () => {
    const server = await startEmbeddedPostgres({ settings: { wal_level: 'replica' } })
    const db = open({ url: server.url, notifications: 'logical' })
    try {
      const failure = listen(db, 'x', { reconnect: false })
      await expect(failure).rejects.toBeInstanceOf(ConnectionError)
      await expect(failure).rejects.toThrow(/wal_level is replica: set wal_level=logical and restart/)
    } finally {
      await db.close()
      await server.stop()
    }
  })

  it('no free replication slot: raise max_replication_slots or drop unused slots', async () => {
    const server = await startEmbeddedPostgres({ settings: { max_replication_slots: 1 } })
    const db = open({ url: server.url, notifications: 'logical' })
    try {
      const first = await listen(db, 'x')
      await expect(listen(db, 'y')).rejects.toThrow(/no free replication slot: .*max_replication_slots/)
      await first.close()
    } finally {
      await db.close()
      await server.stop()
    }
  })

  it.skipIf(skip !== undefined)('a role without the REPLICATION attribute: ALTER ROLE … REPLICATION', async () => {
    const url = new URL(await useDatabase('logical_role'))
    await admin(serverUrl(), "do $$ begin if not exists (select from pg_roles where rolname = 'no_replication') then create role no_replication login password 'pw'; end if; end $$")
    await admin(url.href, 'grant all on database ' + url.pathname.slice(1) + ' to no_replication')
    url.username = 'no_replication'
    url.password = 'pw'
    const db = open({ url: url.href, notifications: 'logical' })
    try {
      const failure = listen(db, 'x')
      await expect(failure).rejects.toThrow(/lacks the REPLICATION attribute/)
      await expect(failure).rejects.not.toThrow(/pw/)
    } finally {
      await db.close()
    }
  })
})
