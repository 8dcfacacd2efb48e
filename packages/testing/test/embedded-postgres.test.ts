import pg from 'pg'
import { describe, expect, it } from 'vitest'
import { admin, startEmbeddedPostgres } from '@liteorm/testing'

describe('startEmbeddedPostgres', () => {
  it('takes server settings, stops and starts again on the same port keeping its data', async () => {
    const server = await startEmbeddedPostgres({ settings: { wal_level: 'logical', max_notify_queue_pages: 64 } })
    try {
      const [row] = await admin<{ wal: string; pages: string }>(server.url, "select current_setting('wal_level') as wal, current_setting('max_notify_queue_pages') as pages")
      expect(row).toEqual({ wal: 'logical', pages: '64' })
      await admin(server.url, 'create table kept (n int)')
      await server.pause()
      await expect(admin(server.url, 'select 1')).rejects.toThrow()
      await server.resume()
      expect(await admin(server.url, 'select count(*)::int as n from kept')).toEqual([{ n: 0 }])
    } finally {
      await server.stop()
    }
  })

  it('with tls: true, accepts verified TLS connections only and never plaintext', async () => {
    const server = await startEmbeddedPostgres({ tls: true })
    try {
      expect(server.ca).toMatch(/BEGIN CERTIFICATE/)
      const verified = new pg.Client({ connectionString: server.url, ssl: { ca: server.ca, servername: 'localhost' } })
      await verified.connect()
      expect((await verified.query('select ssl from pg_stat_ssl where pid = pg_backend_pid()')).rows).toEqual([{ ssl: true }])
      await verified.end()
      await expect(admin(server.url, 'select 1')).rejects.toThrow(/no encryption|pg_hba/)
    } finally {
      await server.stop()
    }
  })

  it('startStandby() streams from the primary; promote() makes it writable', async () => {
    const primary = await startEmbeddedPostgres()
    try {
      await admin(primary.url, 'create table t (n int)')
      const standby = await primary.startStandby()
      try {
        await admin(primary.url, 'insert into t values (1)')
        expect(await admin(standby.url, 'select pg_is_in_recovery() as r')).toEqual([{ r: true }])
        const deadline = Date.now() + 10_000
        while ((await admin<{ n: number }>(standby.url, 'select count(*)::int as n from t'))[0]!.n === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
        expect(await admin(standby.url, 'select count(*)::int as n from t')).toEqual([{ n: 1 }])
        await primary.stop()
        await standby.promote()
        await admin(standby.url, 'insert into t values (2)')
        expect(await admin(standby.url, 'select count(*)::int as n from t')).toEqual([{ n: 2 }])
      } finally {
        await standby.stop()
      }
    } finally {
      await primary.stop()
    }
  })
})
