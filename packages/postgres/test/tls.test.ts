import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { admin, startEmbeddedPostgres, type EmbeddedServer } from '@liteorm/testing'
import { ConnectionError, listen, notify, open, sql, subscribe, type Notification } from '@liteorm/postgres'
import { EventLog, killBackends } from '../../../test/listener-probe.js'

// A server that accepts TLS only (hostssl lines alone), with a certificate
// for 127.0.0.1 signed by a CA made for this file.
let server: EmbeddedServer
let other: EmbeddedServer
let dir: string
let caFile: string
let wrongCaFile: string
beforeAll(async () => {
  ;[server, other] = await Promise.all([startEmbeddedPostgres({ tls: true }), startEmbeddedPostgres({ tls: true })])
  dir = mkdtempSync(join(tmpdir(), 'liteorm-tls-'))
  caFile = join(dir, 'ca.pem')
  wrongCaFile = join(dir, 'wrong-ca.pem')
  writeFileSync(caFile, server.ca!)
  writeFileSync(wrongCaFile, other.ca!)
}, 60_000)
afterAll(async () => {
  await Promise.all([server?.stop(), other?.stop()])
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
})

const withParams = (url: string, params: Record<string, string>): string => {
  const u = new URL(url)
  for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v)
  return u.toString()
}

describe('TLS, as managed PostgreSQL requires it', () => {
  it.each([
    ["sslmode=require with libpq's meaning (encrypted, not verified)", () => ({ sslmode: 'require', uselibpqcompat: 'true' })],
    ['sslmode=verify-full with the CA', () => ({ sslmode: 'verify-full', sslrootcert: caFile })],
  ])('%s: the pool, a listener across a reconnect, and the hub all run encrypted', async (_, params) => {
    const app = `tls-${params().sslmode}`
    const adminUrl = withParams(server.url, { sslmode: 'verify-full', sslrootcert: caFile })
    const url = withParams(server.url, { ...params(), application_name: app })
    const db = open(url)
    try {
      const { ssl } = await db.queryOne(sql<{ ssl: boolean }>`select ssl from pg_stat_ssl where pid = pg_backend_pid()`)
      expect(ssl).toBe(true)
      const events = new EventLog()
      const l = await listen(db, 'secure', { onEvent: events.record, reconnect: { minDelayMs: 20, maxDelayMs: 200 } })
      let heardByHub!: (n: Notification) => void
      const hubHeard = new Promise<Notification>((resolve) => (heardByHub = resolve))
      const sub = await subscribe(db, 'secure', (n) => heardByHub(n))
      expect(await killBackends(adminUrl, app)).toBeGreaterThan(0)
      await events.next('reconnected')
      await notify(db, 'secure', 'after the reconnect')
      expect((await l.receive(AbortSignal.timeout(5000))).payload).toBe('after the reconnect')
      expect((await hubHeard).payload).toBe('after the reconnect')
      const encrypted = await admin<{ all: boolean }>(
        adminUrl,
        'select bool_and(s.ssl) as all from pg_stat_ssl s join pg_stat_activity a using (pid) where a.application_name = $1',
        [app],
      )
      expect(encrypted).toEqual([{ all: true }])
      await l.close()
      await sub.close()
    } finally {
      await db.close()
    }
  })

  it('verify-full with the wrong CA is a ConnectionError at the first query, and at listen()', async () => {
    const db = open(withParams(server.url, { sslmode: 'verify-full', sslrootcert: wrongCaFile }))
    try {
      const error = await db.query(sql`select 1`).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(ConnectionError)
      expect((error as Error).message).toMatch(/certificate/i)
      await expect(listen(db, 'x')).rejects.toBeInstanceOf(ConnectionError)
    } finally {
      await db.close()
    }
  })

  it('nothing falls back to plaintext: without sslmode the TLS-only server refuses, and sslmode=require against a server without TLS fails', async () => {
    const plain = open(server.url)
    const refused = await plain.query(sql`select 1`).catch((e: unknown) => e)
    await plain.close()
    expect(refused).toBeInstanceOf(ConnectionError)
    expect((refused as Error).message).toMatch(/no encryption/)
    const noTls = await startEmbeddedPostgres()
    const insisting = open(withParams(noTls.url, { sslmode: 'require' }))
    try {
      const error = await insisting.query(sql`select 1`).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(ConnectionError)
      expect((error as Error).message).toMatch(/does not support SSL/i)
    } finally {
      await insisting.close()
      await noTls.stop()
    }
  })

  it('listenUrl takes its own sslmode: queries and listeners both encrypted', async () => {
    const url = withParams(server.url, { sslmode: 'verify-full', sslrootcert: caFile })
    const db = open({ url, listenUrl: url })
    try {
      const l = await listen(db, 'via listenUrl')
      await notify(db, 'via listenUrl', 'encrypted both ways')
      expect((await l.receive(AbortSignal.timeout(5000))).payload).toBe('encrypted both ways')
      await l.close()
    } finally {
      await db.close()
    }
  })
})
