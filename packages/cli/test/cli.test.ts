import { execFileSync, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { freePort, startEmbeddedPostgres } from '@liteorm/testing'
import { useDatabase } from '@liteorm/testing/vitest'
import { installLargePayloads, listen, notify, open, sql, type DB, type Listener } from '@liteorm/postgres'
import { bin, cleanEnv, root, runCli, startCli, stopAll, type RunningCli } from './cli-process.js'

let url: string
let db: DB<unknown>
/** A URL to a port nothing listens on, with a password that must never be printed. */
let refused: string
const PASSWORD = 'Pa55-w0rd-never-shown'

beforeAll(async () => {
  // The tests run the real bin, built like the published package.
  execFileSync(join(root, 'node_modules/.bin/tsc'), ['-b', 'packages/cli'], { cwd: root, stdio: 'inherit' })
  url = await useDatabase('cli')
  db = open(url)
  refused = `postgres://app:${PASSWORD}@127.0.0.1:${await freePort()}/app`
}, 180_000)
afterAll(() => db?.close())
afterEach(stopAll)

const dir = mkdtempSync(join(tmpdir(), 'liteorm-cli-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** Starts `liteorm tail` on the test database and waits until LISTEN is in place. */
async function tail(args: readonly string[], env: Record<string, string> = { DATABASE_URL: url }): Promise<RunningCli> {
  const cli = startCli(['tail', ...args], { env })
  await cli.waitForStderr(/listening on /)
  return cli
}

interface Line {
  ts: string
  channel: string
  payload: unknown
  pid: number
}

const parse = (line: string): Line => JSON.parse(line) as Line

/** The backends of this database that a `liteorm` process listens on. */
async function listenerBackends(): Promise<{ pid: number; client_address: string | null }[]> {
  return db.query(sql<{ pid: number; client_address: string | null }>`
    select pid, host(client_addr) as client_address from pg_stat_activity
     where application_name = 'liteorm-cli' and datname = current_database() and query like 'LISTEN %'`)
}

/** Waits (5 s at most) until no `liteorm` process has a connection to this database: a backend ends a moment after its client closes. */
async function expectNoCliConnections(): Promise<void> {
  const deadline = Date.now() + 5000
  const left = async (): Promise<number[]> =>
    (await db.query(sql<{ pid: number }>`select pid from pg_stat_activity where application_name = 'liteorm-cli' and datname = current_database()`)).map((r) => r.pid)
  while ((await left()).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
  expect(await left()).toEqual([])
}

describe('liteorm tail', () => {
  it('prints one JSON line per notification, from liteorm and from liteorm notify, and ends on SIGINT with 130 and its connection released', async () => {
    const cli = await tail(['jobs', 'Audit'])
    expect(cli.stderr()).toContain('listening on "jobs", "Audit"')
    const before = Date.now()
    await notify(db, 'jobs', '{"id":1}')
    await notify(db, 'Audit', 'user 7 signed in')
    await notify(db, 'audit', 'another channel: not heard')
    const first = parse(await cli.nextLine())
    expect(Object.keys(first)).toEqual(['ts', 'channel', 'payload', 'pid'])
    expect(first).toMatchObject({ channel: 'jobs', payload: '{"id":1}', pid: expect.any(Number) })
    expect(new Date(first.ts).toISOString()).toBe(first.ts)
    expect(Date.parse(first.ts)).toBeGreaterThanOrEqual(before - 1000)
    expect(parse(await cli.nextLine())).toMatchObject({ channel: 'Audit', payload: 'user 7 signed in' })

    const sent = await runCli(['notify', 'jobs', 'from the cli'], { env: { DATABASE_URL: url } })
    expect(sent).toMatchObject({ code: 0, stdout: '', stderr: '' })
    expect(parse(await cli.nextLine())).toMatchObject({ channel: 'jobs', payload: 'from the cli' })
    expect(await listenerBackends()).toHaveLength(1)

    cli.child.kill('SIGINT')
    expect(await cli.exited).toEqual({ code: 130, signal: null })
    expect(cli.stderr()).not.toMatch(/\n\s+at /)
    await expectNoCliConnections()
  })

  it('--json-payload prints JSON payloads parsed, and a payload that is not JSON as a string with a note on stderr; SIGTERM ends it with 143', async () => {
    const cli = await tail(['--json-payload', 'events'])
    await notify(db, 'events', '{"id":1,"tags":["a"]}')
    await notify(db, 'events', 'not json')
    await notify(db, 'events', '42')
    expect(parse(await cli.nextLine()).payload).toEqual({ id: 1, tags: ['a'] })
    expect(parse(await cli.nextLine()).payload).toBe('not json')
    expect(parse(await cli.nextLine()).payload).toBe(42)
    await cli.waitForStderr(/liteorm tail: the payload on "events" from pid \d+ is not JSON; printed as a string\n/) // stderr is another pipe: it may trail stdout
    cli.child.kill('SIGTERM')
    expect(await cli.exited).toEqual({ code: 143, signal: null })
  })

  it('ends promptly with 0 when its reader closes stdout after the first line, with nothing more sent and no EPIPE trace', async () => {
    const cli = await tail(['closing'])
    await notify(db, 'closing', 'one')
    expect(parse(await cli.nextLine()).payload).toBe('one')
    const closedAt = Date.now()
    cli.child.stdout.destroy()
    expect(await cli.exited).toEqual({ code: 0, signal: null })
    expect(Date.now() - closedAt).toBeLessThan(5000)
    expect(cli.stderr()).not.toMatch(/EPIPE|\n\s+at /)
    await expectNoCliConnections()
  })

  it('in a shell pipeline into head -1, exits 0 at the first notification after head has gone', async () => {
    const child = spawn('bash', ['-c', '"$0" "$1" tail piped | head -1; exit "${PIPESTATUS[0]}"', process.execPath, bin], {
      env: cleanEnv({ DATABASE_URL: url }),
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // its own process group, killed whole if the test fails
    })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c))
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c))
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)))
    const deadline = Date.now() + 15_000
    let done = false
    void exited.then(() => (done = true))
    try {
      while (!stderr.includes('listening on')) {
        if (Date.now() > deadline) throw new Error(`tail did not start: ${stderr}`)
        await new Promise((r) => setTimeout(r, 20))
      }
      for (let i = 1; !done && Date.now() < deadline; i++) {
        await notify(db, 'piped', `n${i}`)
        await new Promise((r) => setTimeout(r, 100))
      }
    } finally {
      if (!done) {
        try {
          process.kill(-child.pid!, 'SIGKILL')
        } catch {
          // the pipeline ended meanwhile
        }
      }
    }
    expect(await exited).toBe(0)
    expect(stdout.trim().split('\n').map((l) => parse(l).payload)).toEqual(['n1'])
    expect(stderr).not.toMatch(/EPIPE|\n\s+at /)
  })

  it('reports the loss of its connection and the reconnection on stderr, one line each, and goes on printing', async () => {
    const cli = await tail(['survives'])
    const backends = await listenerBackends()
    expect(backends).toHaveLength(1)
    await db.query(sql`select pg_terminate_backend(${backends[0]!.pid})`)
    await cli.waitForStderr(/reconnected; listening on "survives" again/)
    const lines = cli.stderr().trim().split('\n')
    expect(lines[0]).toBe('liteorm tail: listening on "survives"')
    expect(lines[1]).toMatch(/^liteorm tail: connection lost: .+; reconnecting$/)
    expect(lines.at(-1)).toBe('liteorm tail: reconnected; listening on "survives" again (notifications sent while disconnected were not received)')
    await notify(db, 'survives', 'after the reconnection')
    expect(parse(await cli.nextLine()).payload).toBe('after the reconnection')
    cli.child.kill('SIGINT')
    expect((await cli.exited).code).toBe(130)
  })

  it('stays up while the server is down, reporting each failed reconnection attempt, and listens again once it is back', async () => {
    const server = await startEmbeddedPostgres()
    try {
      const cli = await tail(['outage'], { DATABASE_URL: server.url })
      await server.pause()
      await cli.waitForStderr(/reconnection attempt 2 failed: .+; next in \d+ ms\n/, 20_000)
      expect(cli.child.exitCode).toBeNull()
      await server.resume()
      await cli.waitForStderr(/reconnected; listening on "outage" again/, 30_000)
      const sender = open(server.url)
      try {
        await notify(sender, 'outage', 'after the outage')
      } finally {
        await sender.close()
      }
      expect(parse(await cli.nextLine()).payload).toBe('after the outage')
      const lines = cli.stderr().trim().split('\n')
      expect(lines[1]).toMatch(/^liteorm tail: connection lost: .+; reconnecting$/)
      expect(lines.slice(2, -1).every((l) => /^liteorm tail: reconnection attempt \d+ failed: .+; next in \d+ ms$/.test(l))).toBe(true)
      cli.child.kill('SIGINT')
      expect((await cli.exited).code).toBe(130)
    } finally {
      await server.stop()
    }
  }, 120_000)

  it('reports a refused first connection on stderr without the password and exits 1', async () => {
    const result = await runCli(['tail', 'x'], { env: { DATABASE_URL: refused } })
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/^liteorm tail: .+\n$/)
    expect(result.stderr).not.toContain(PASSWORD)
    expect(result.stdout).toBe('')
  })

  it('without a CHANNEL is a usage error (exit 2)', async () => {
    const result = await runCli(['tail'], { env: { DATABASE_URL: url } })
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('liteorm tail: name at least one CHANNEL to listen to\nUsage: liteorm tail ')
  })
})

describe('liteorm notify', () => {
  let l: Listener
  beforeAll(async () => {
    l = await listen(db, ['n1', 'n2'])
  })
  afterAll(() => l.close())

  it('sends PAYLOAD on CHANNEL, prints nothing and exits 0; an omitted payload is empty', async () => {
    expect(await runCli(['notify', 'n1', 'hello world'], { env: { DATABASE_URL: url } })).toMatchObject({ code: 0, stdout: '', stderr: '' })
    expect(await l.receive(AbortSignal.timeout(5000))).toMatchObject({ channel: 'n1', payload: 'hello world' })
    expect((await runCli(['notify', 'n1'], { env: { DATABASE_URL: url } })).code).toBe(0)
    expect((await l.receive(AbortSignal.timeout(5000))).payload).toBe('')
    expect((await runCli(['notify', '--', 'n2', '-1'], { env: { DATABASE_URL: url } })).code).toBe(0)
    expect((await l.receive(AbortSignal.timeout(5000))).payload).toBe('-1')
  })

  it('with "-" sends all of stdin, less one trailing newline', async () => {
    expect((await runCli(['notify', 'n1', '-'], { env: { DATABASE_URL: url }, input: 'line one\nline two\n' })).code).toBe(0)
    expect((await l.receive(AbortSignal.timeout(5000))).payload).toBe('line one\nline two')
    expect((await runCli(['notify', 'n1', '-'], { env: { DATABASE_URL: url }, input: '{"id":2}\r\n\n' })).code).toBe(0)
    expect((await l.receive(AbortSignal.timeout(5000))).payload).toBe('{"id":2}\r\n')
    expect((await runCli(['notify', 'n1', '-'], { env: { DATABASE_URL: url }, input: 'é€ no newline' })).code).toBe(0)
    expect((await l.receive(AbortSignal.timeout(5000))).payload).toBe('é€ no newline')
  })

  it("exits 2 with liteorm's one-line message for an empty channel or a payload of 8000 bytes, and 1 for a refused connection", async () => {
    const empty = await runCli(['notify', '', 'x'], { env: { DATABASE_URL: url } })
    expect(empty.code).toBe(2)
    expect(empty.stderr).toMatch(/^liteorm notify: .*channel.*\n$/)
    const long = await runCli(['notify', 'n1', '-'], { env: { DATABASE_URL: url }, input: 'x'.repeat(8000) })
    expect(long.code).toBe(2)
    expect(long.stderr).toMatch(/^liteorm notify: .*8000.*\n$/)
    const down = await runCli(['notify', 'n1', 'x'], { env: { DATABASE_URL: refused } })
    expect(down.code).toBe(1)
    expect(down.stderr).toMatch(/^liteorm notify: .+\n$/)
    expect(down.stderr).not.toContain(PASSWORD)
    await expect(l.receive(AbortSignal.timeout(300))).rejects.toMatchObject({ name: 'TimeoutError' })
  })

  it('--large-payloads: notify from stdin sends 1 MB through the table and tail prints it whole; without the migration notify exits 1 naming it; on SQLite it is a usage error', async () => {
    const big = `{"blob":"${'é'.repeat(500_000)}"}` // 1 MB of UTF-8
    const missing = await runCli(['notify', '--large-payloads', 'big', '-'], { env: { DATABASE_URL: url }, input: big })
    expect(missing.code).toBe(1)
    expect(missing.stderr).toMatch(/^liteorm notify: .*installLargePayloads.*\n$/)
    await installLargePayloads(db)
    const cli = await tail(['--large-payloads', 'big'])
    expect((await runCli(['notify', '--large-payloads', 'big', '-'], { env: { DATABASE_URL: url }, input: big })).code).toBe(0)
    expect((await runCli(['notify', 'big', 'small after'], { env: { DATABASE_URL: url } })).code).toBe(0)
    expect(parse(await cli.nextLine()).payload).toBe(big)
    expect(parse(await cli.nextLine()).payload).toBe('small after')
    const sqlite = await runCli(['notify', '--large-payloads', '--url', `sqlite:${join(dir, 'large.db')}`, 'big', 'x'])
    expect(sqlite.code).toBe(2)
    expect(sqlite.stderr).toMatch(/--large-payloads is for PostgreSQL/)
  })

  it('takes the URL from --url, else LITEORM_LISTEN_URL, else DATABASE_URL', async () => {
    const sends = async (args: string[], env: Record<string, string>): Promise<number | null> => {
      const { code } = await runCli(['notify', ...args, 'n2', 'precedence'], { env })
      if (code === 0) expect((await l.receive(AbortSignal.timeout(5000))).payload).toBe('precedence')
      return code
    }
    expect(await sends(['--url', url], { LITEORM_LISTEN_URL: refused, DATABASE_URL: refused })).toBe(0)
    expect(await sends([`--url=${refused}`], { LITEORM_LISTEN_URL: url, DATABASE_URL: url })).toBe(1)
    expect(await sends([], { LITEORM_LISTEN_URL: url, DATABASE_URL: refused })).toBe(0)
    expect(await sends([], { LITEORM_LISTEN_URL: refused, DATABASE_URL: url })).toBe(1)
    expect(await sends([], { LITEORM_LISTEN_URL: '', DATABASE_URL: url })).toBe(0)
    expect(await sends([], { DATABASE_URL: url })).toBe(0)
  })
})

describe('liteorm status', () => {
  it('shows the server version, a non-zero queue usage while a listener holds the queue, and the tailing process as a listener connection (text and --json)', async () => {
    const cli = await tail(['st_a', 'St "b"'])
    const [backend] = await listenerBackends()
    expect(backend).toBeDefined()
    // A listener inside a transaction reads nothing: what is sent meanwhile stays in the queue.
    const holder = new pg.Client({ connectionString: url })
    await holder.connect()
    try {
      await holder.query('LISTEN st_hold')
      await holder.query('BEGIN')
      await holder.query('select 1')
      for (let i = 0; i < 40; i++) await notify(db, 'st_hold', 'x'.repeat(2000))

      const json = await runCli(['status', '--json'], { env: { DATABASE_URL: url } })
      expect(json).toMatchObject({ code: 0, stderr: '' })
      const status = JSON.parse(json.stdout) as {
        serverVersion: string
        database: string
        queueUsage: number
        channels: string[]
        listeners: { pid: number; applicationName: string; clientAddress: string | null; connectedAt: string; idleSince: string; channels: string[] | null }[]
      }
      expect(status.serverVersion).toMatch(/^\d+(\.\d+)?/)
      expect(status.queueUsage).toBeGreaterThan(0)
      expect(status.queueUsage).toBeLessThan(1)
      expect(status.channels).toEqual(['St "b"', 'st_a'])
      expect(status.listeners).toHaveLength(1)
      expect(status.listeners[0]).toMatchObject({ pid: backend!.pid, applicationName: 'liteorm-cli', clientAddress: backend!.client_address, channels: ['st_a', 'St "b"'] })
      expect(Date.parse(status.listeners[0]!.connectedAt)).toBeLessThanOrEqual(Date.parse(status.listeners[0]!.idleSince))

      const text = await runCli(['status'], { env: { DATABASE_URL: url } })
      expect(text.code).toBe(0)
      expect(text.stdout).toMatch(/^PostgreSQL \d+[^,\n]*, database ".+"\n/)
      const usage = /\nnotification queue: ([\d.e-]+)% used\n/.exec(text.stdout)
      expect(Number(usage?.[1])).toBeGreaterThan(0)
      expect(text.stdout).toContain('\nchannels: "St \\"b\\"", "st_a"\n')
      expect(text.stdout).toContain('\nlistener connections: 1\n')
      expect(text.stdout).toMatch(new RegExp(`\\n  ${backend!.pid}\\s+liteorm-cli\\s+\\S+\\s+\\S+\\s+"st_a", "St \\\\"b\\\\""\\n`))
    } finally {
      await holder.query('ROLLBACK')
      await holder.end()
      cli.child.kill('SIGINT')
      await cli.exited
    }
    await expectNoCliConnections()
    const after = JSON.parse((await runCli(['status', '--json'], { env: { DATABASE_URL: url } })).stdout) as { listeners: unknown[] }
    expect(after.listeners).toEqual([])
  })

  it('refuses an SQLite URL with exit 2, and a refused connection with exit 1 without the password', async () => {
    const sqlite = await runCli(['status', '--url', `sqlite:${join(dir, 'status.db')}`])
    expect(sqlite.code).toBe(2)
    expect(sqlite.stderr).toMatch(/^liteorm status: status reports on a PostgreSQL server; --url names an SQLite file/)
    const down = await runCli(['status', '--url', refused])
    expect(down.code).toBe(1)
    expect(down.stderr).not.toContain(PASSWORD)
    expect(down.stderr).not.toContain(encodeURIComponent(PASSWORD))
  })
})

describe('the command line', () => {
  it('--help on the program and on every command prints the usage to stdout and exits 0; --version prints the version', async () => {
    for (const args of [['--help'], ['-h'], ['help']]) {
      const r = await runCli(args)
      expect(r).toMatchObject({ code: 0, stderr: '' })
      expect(r.stdout).toMatch(/^Usage: liteorm <command> \[options\]\n/)
    }
    for (const command of ['tail', 'notify', 'status']) {
      for (const args of [[command, '--help'], [command, '-h'], ['help', command]]) {
        const r = await runCli(args)
        expect(r).toMatchObject({ code: 0, stderr: '' })
        expect(r.stdout).toMatch(new RegExp(`^Usage: liteorm ${command} `))
        expect(r.stdout).toContain('--url URL')
      }
    }
    const { version } = JSON.parse(readFileSync(join(root, 'packages/cli/package.json'), 'utf8')) as { version: string }
    expect(await runCli(['--version'])).toMatchObject({ code: 0, stdout: `${version}\n` })
  })

  it('an unknown command or option, no command, or no URL at all is a usage error: exit 2, the usage on stderr', async () => {
    const cases: [string[], RegExp][] = [
      [[], /^liteorm: name a command\nUsage: liteorm <command>/],
      [['listen', 'x'], /^liteorm: unknown command "listen"\nUsage: liteorm <command>/],
      [['--verbose'], /^liteorm: unknown option '--verbose'\nUsage: liteorm <command>/],
      [['tail', '--follow', 'x'], /^liteorm tail: Unknown option '--follow'\nUsage: liteorm tail /],
      [['status', '--json=yes'], /^liteorm status: Option '--json' does not take an argument\nUsage: liteorm status /],
      [['notify', 'a', 'b', 'c'], /^liteorm notify: notify takes CHANNEL and one PAYLOAD, got 3 arguments/],
      [['notify', 'x', 'y'], /^liteorm notify: no database URL: pass --url URL, or set LITEORM_LISTEN_URL or DATABASE_URL\nUsage: liteorm notify /],
      [['notify', '--url', 'mysql://app:secret@db/app', 'x', 'y'], /^liteorm notify: --url has the scheme "mysql:"; use postgres:\/\/, postgresql:\/\/ or sqlite:\n/],
      [['tail', '--url', 'sqlite::memory:', 'x'], /^liteorm tail: --url: an in-memory SQLite database is private to one process/],
    ]
    for (const [args, stderr] of cases) {
      const r = await runCli(args)
      expect(r.code, args.join(' ')).toBe(2)
      expect(r.stdout).toBe('')
      expect(r.stderr).toMatch(stderr)
      expect(r.stderr).toContain('--help')
    }
  })

  it('never prints a password from a URL: refused connections, malformed URLs, URLs given where a command was expected', async () => {
    const malformed = `postgres://app:${PASSWORD}@127.0.0.1:notaport/app`
    const runs = await Promise.all([
      runCli(['notify', '--url', refused, 'x', 'y']),
      runCli(['status'], { env: { LITEORM_LISTEN_URL: refused } }),
      runCli(['tail', 'x'], { env: { DATABASE_URL: refused } }),
      runCli(['notify', 'x', 'y'], { env: { DATABASE_URL: malformed } }),
      runCli([refused]),
      runCli(['status', refused]),
      runCli([`--url=${refused}`, 'status']),
    ])
    expect(runs.map((r) => r.code)).toEqual([1, 1, 1, 2, 2, 2, 2])
    for (const r of runs) {
      expect(r.stderr).not.toBe('')
      expect(r.stderr).not.toContain(PASSWORD)
      expect(r.stdout).not.toContain(PASSWORD)
    }
  })
})

describe('on an SQLite file', () => {
  it('tail in one process prints what notify in other processes sends, with their pids, by relative and by sqlite:/// URL', async () => {
    const file = join(dir, 'events.db')
    const cli = startCli(['tail', '--url', 'sqlite:events.db', 'jobs'], { cwd: dir })
    await cli.waitForStderr(/listening on "jobs"/)
    const sender = startCli(['notify', '--url', `sqlite://${file}`, 'jobs', '{"id":1}'])
    expect(await sender.exited).toEqual({ code: 0, signal: null })
    expect(parse(await cli.nextLine())).toMatchObject({ channel: 'jobs', payload: '{"id":1}', pid: sender.child.pid })
    expect((await runCli(['notify', 'jobs', '-'], { env: { DATABASE_URL: `sqlite:${file}` }, input: 'from stdin\n' })).code).toBe(0)
    expect(parse(await cli.nextLine()).payload).toBe('from stdin')
    cli.child.kill('SIGINT')
    expect(await cli.exited).toEqual({ code: 130, signal: null })
  })
})

describe('over TLS, as managed PostgreSQL requires it', () => {
  it('tail, notify and status work with sslmode=verify-full and the CA in the URL; a wrong CA is a connection error (exit 1)', async () => {
    const [server, other] = await Promise.all([startEmbeddedPostgres({ tls: true }), startEmbeddedPostgres({ tls: true })])
    const tlsDir = mkdtempSync(join(tmpdir(), 'liteorm-cli-tls-'))
    try {
      const ca = join(tlsDir, 'ca.pem')
      const wrong = join(tlsDir, 'wrong.pem')
      writeFileSync(ca, server.ca!)
      writeFileSync(wrong, other.ca!)
      const withCa = (file: string): string => `${server.url}?sslmode=verify-full&sslrootcert=${encodeURIComponent(file)}`
      const tail = startCli(['tail', '--url', withCa(ca), 'secure'])
      await tail.waitForStderr(/listening/i)
      const sent = await runCli(['notify', '--url', withCa(ca), 'secure', 'over tls'])
      expect(sent.code).toBe(0)
      expect(JSON.parse(await tail.nextLine())).toMatchObject({ channel: 'secure', payload: 'over tls' })
      const status = await runCli(['status', '--json', '--url', withCa(ca)])
      expect(status.code).toBe(0)
      tail.child.kill('SIGTERM')
      await tail.exited
      const refusedTls = await runCli(['notify', '--url', withCa(wrong), 'secure', 'never'])
      expect(refusedTls.code).toBe(1)
      expect(refusedTls.stderr).toMatch(/certificate/i)
    } finally {
      await Promise.all([server.stop(), other.stop()])
      rmSync(tlsDir, { recursive: true, force: true })
    }
  })
})
