import { describe, expect, it } from 'vitest'
import { listen, notify, open, subscribe } from '@liteorm/postgres'
import { admin, startEmbeddedPostgres } from '@liteorm/testing'
import { logicalUnsupported } from './logical-support.js'

const skip = await logicalUnsupported()

describe.skipIf(skip !== undefined)(`logical transport: listeners on a standby${skip === undefined ? '' : ` (skipped: ${skip})`}`, () => {
  it('a listener whose listenUrl is a hot standby (PostgreSQL 16+) receives what the primary commits; subscribe shares it', async () => {
    const primary = await startEmbeddedPostgres()
    let standby: Awaited<ReturnType<typeof primary.startStandby>> | undefined
    let db: ReturnType<typeof open> | undefined
    try {
      const [{ version }] = (await admin<{ version: number }>(primary.url, "select current_setting('server_version_num')::int as version")) as [{ version: number }]
      if (version < 160000) return // decoding on a standby needs 16+; the embedded server is 18
      // The publication exists before the standby copy; a standby cannot create it.
      await admin(primary.url, 'create publication liteorm_messages')
      standby = await primary.startStandby({ hot_standby_feedback: 'on' })
      db = open({ url: primary.url, listenUrl: standby.url, notifications: 'logical' })
      // A slot on a standby waits for the primary's next record of running transactions; the listener asks the primary (url) for one.
      const listener = await listen(db, ['fan'])
      const [{ standbyWalsenders }] = (await admin<{ standbyWalsenders: number }>(
        standby.url,
        "select count(*)::int as \"standbyWalsenders\" from pg_replication_slots where slot_name like 'liteorm\\_%' and active",
      )) as [{ standbyWalsenders: number }]
      expect(standbyWalsenders).toBe(1)
      const sub = await subscribe(db, 'fan')
      await db.transaction(async (tx) => {
        await notify(tx, 'fan', 'from the primary')
      })
      expect((await listener.receive(AbortSignal.timeout(15_000))).payload).toBe('from the primary')
      expect((await sub.receive(AbortSignal.timeout(15_000))).payload).toBe('from the primary')
      await sub.close()
      await listener.close()
    } finally {
      await db?.close()
      await standby?.stop()
      await primary.stop()
    }
  }, 90_000)
})
