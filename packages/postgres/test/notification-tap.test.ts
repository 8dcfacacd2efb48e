import type { Notification } from '@liteorm/core'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { NotificationTap, tapNotifications } from '../src/notification-tap.js'
import { useDatabase } from '@liteorm/testing/vitest'

/** One backend message: type byte, length word, body. */
function frame(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(5)
  head.write(type, 0, 'latin1')
  head.writeUInt32BE(body.length + 4, 1)
  return Buffer.concat([head, body])
}

function notificationFrame(pid: number, channel: string, payload: string): Buffer {
  const pidBytes = Buffer.alloc(4)
  pidBytes.writeInt32BE(pid)
  return frame('A', Buffer.concat([pidBytes, Buffer.from(`${channel}\0${payload}\0`)]))
}

const commandComplete = frame('C', Buffer.from('SELECT 1\0'))
const readyForQuery = frame('Z', Buffer.from('I'))
const bigDataRow = frame('D', Buffer.alloc(150_000, 0x61))
const malformed = frame('A', Buffer.from([0, 0, 0, 7, 0x61, 0x62])) // no NUL anywhere

/** A stream as a listener's connection sees it, what the tap should decode, and what it should pass on. */
const notifications: Notification[] = [
  { channel: 'jobs', payload: '1', pid: 7 },
  { channel: 'jobs', payload: '', pid: 7 },
  { channel: 'Audit', payload: 'x'.repeat(7999), pid: -2 },
  { channel: 'jobs', payload: 'héllo ✓ 🎉', pid: 2_147_483_647 },
  { channel: 'kanäl', payload: '{"a":1}', pid: 8 },
  { channel: 'kanäl', payload: 'again', pid: 8 },
  { channel: 'jobsx', payload: 'longer channel after a cached one', pid: 9 },
  { channel: 'job', payload: 'shorter channel', pid: 9 },
]
const parts: Buffer[] = [
  notificationFrame(7, 'jobs', '1'),
  commandComplete,
  notificationFrame(7, 'jobs', ''),
  bigDataRow,
  notificationFrame(-2, 'Audit', 'x'.repeat(7999)),
  malformed,
  notificationFrame(2_147_483_647, 'jobs', 'héllo ✓ 🎉'),
  notificationFrame(8, 'kanäl', '{"a":1}'),
  readyForQuery,
  notificationFrame(8, 'kanäl', 'again'),
  notificationFrame(9, 'jobsx', 'longer channel after a cached one'),
  notificationFrame(9, 'job', 'shorter channel'),
  commandComplete,
]
const stream = Buffer.concat(parts)
const passedOn = Buffer.concat([commandComplete, bigDataRow, malformed, readyForQuery, commandComplete])

function runThrough(chunks: readonly Buffer[]): { decoded: Notification[]; forwarded: Buffer; frozen: boolean } {
  const decoded: Notification[] = []
  const forwarded: Buffer[] = []
  const tap = new NotificationTap(
    (n) => decoded.push(n),
    (bytes) => forwarded.push(Buffer.from(bytes)),
  )
  for (const chunk of chunks) tap.write(chunk)
  tap.flush()
  return { decoded, forwarded: Buffer.concat(forwarded), frozen: decoded.every((n) => Object.isFrozen(n)) }
}

function splitAt(bytes: Buffer, cuts: readonly number[]): Buffer[] {
  const points = [0, ...cuts, bytes.length]
  return points.slice(1).map((end, i) => bytes.subarray(points[i], end))
}

describe('NotificationTap', () => {
  it('decodes every NotificationResponse and passes every other byte on unchanged, in one chunk', () => {
    const { decoded, forwarded, frozen } = runThrough([stream])
    expect(decoded).toEqual(notifications)
    expect(frozen).toBe(true)
    expect(forwarded.equals(passedOn)).toBe(true)
  })

  it('gives the same result whichever byte the stream is cut at', () => {
    // Every cut point, except inside the big row's body, where only a sample is taken.
    const bigStart = stream.indexOf(bigDataRow)
    for (let cut = 1; cut < stream.length; cut++) {
      if (cut > bigStart + 16 && cut < bigStart + bigDataRow.length - 16 && cut % 4093 !== 0) continue
      const { decoded, forwarded } = runThrough(splitAt(stream, [cut]))
      expect(decoded, `cut at ${cut}`).toEqual(notifications)
      expect(forwarded.equals(passedOn), `cut at ${cut}`).toBe(true)
    }
  })

  it('gives the same result when the stream arrives a few bytes at a time', () => {
    for (const size of [1, 2, 3, 5, 7, 64, 1000]) {
      const cuts = Array.from({ length: Math.floor((stream.length - 1) / size) }, (_, i) => (i + 1) * size)
      const { decoded, forwarded } = runThrough(splitAt(stream, cuts))
      expect(decoded, `chunks of ${size}`).toEqual(notifications)
      expect(forwarded.equals(passedOn), `chunks of ${size}`).toBe(true)
    }
  })

  it('decodes each channel from its own bytes: an ASCII channel of the same length as the one just decoded is not taken for it', () => {
    const { decoded } = runThrough([Buffer.concat([notificationFrame(1, 'job', 'a'), notificationFrame(1, 'jog', 'b')])])
    expect(decoded.map((n) => n.channel)).toEqual(['job', 'jog'])
  })

  it('completes a message cut by a read from that read\'s first bytes, and passes the rest of the read on uncopied', () => {
    const first = notificationFrame(7, 'jobs', 'split across reads')
    const rest = Buffer.concat([first.subarray(12), commandComplete, notificationFrame(7, 'jobs', 'next'), readyForQuery])
    const read = Buffer.alloc(rest.length) // memory of its own, as a socket read has (not the shared pool)
    rest.copy(read)
    const decoded: string[] = []
    const forwarded: Buffer[] = []
    const tap = new NotificationTap(
      (n) => decoded.push(n.payload),
      (bytes) => forwarded.push(bytes),
    )
    tap.write(first.subarray(0, 12))
    tap.write(read)
    expect(decoded).toEqual(['split across reads', 'next'])
    expect(Buffer.concat(forwarded).equals(Buffer.concat([commandComplete, readyForQuery]))).toBe(true)
    // Views of the read itself: the whole read was not copied to join the cut message.
    expect(forwarded.every((bytes) => bytes.buffer === read.buffer)).toBe(true)
  })

  it('flush() hands an incomplete message to the parser behind', () => {
    const half = notificationFrame(1, 'jobs', 'unfinished').subarray(0, 12)
    const { decoded, forwarded } = runThrough([commandComplete, half])
    expect(decoded).toEqual([])
    expect(forwarded.equals(Buffer.concat([commandComplete, half]))).toBe(true)
  })
})

describe('tapNotifications on a real pg connection', () => {
  let url: string
  beforeAll(async () => {
    url = await useDatabase('tap')
  })
  let client: pg.Client
  beforeAll(async () => {
    client = new pg.Client({ connectionString: url })
    await client.connect()
  })
  afterAll(() => client.end())

  function socketOf(c: pg.Client): import('node:net').Socket {
    return (c as unknown as { connection: { stream: import('node:net').Socket } }).connection.stream
  }

  it('takes notifications off the socket while queries and their big results still work, and gives the socket back', async () => {
    const tapped: Notification[] = []
    const viaPg: string[] = []
    client.on('notification', (m) => viaPg.push(m.payload ?? ''))
    const untap = tapNotifications(socketOf(client), (n) => tapped.push(n))
    expect(untap).toBeTypeOf('function')
    await client.query('LISTEN "Tap ✓"')
    const payloads = ['', 'plain', 'ünïcödé 🎉', 'y'.repeat(7999)]
    // Notifications from this same connection arrive between its query results.
    const { rows } = await client.query<{ big: string }>(
      `select pg_notify('Tap ✓', p) , repeat('z', 200000) as big from unnest($1::text[]) with ordinality as t(p, i) order by i`,
      [payloads],
    )
    expect(rows.map((r) => r.big.length)).toEqual(payloads.map(() => 200_000))
    const sender = new pg.Client({ connectionString: url })
    await sender.connect()
    await sender.query(`select pg_notify('Tap ✓', g::text) from generate_series(1, 5000) g`)
    const { rows: pids } = await sender.query<{ pid: number }>('select pg_backend_pid() as pid')
    await sender.end()
    await client.query('select 1') // everything sent before this answer has been read
    expect(tapped.map((n) => n.payload)).toEqual([...payloads, ...Array.from({ length: 5000 }, (_, i) => String(i + 1))])
    expect(tapped.every((n) => n.channel === 'Tap ✓')).toBe(true)
    expect(tapped.at(-1)!.pid).toBe(pids[0]!.pid)
    expect(viaPg).toEqual([])

    untap!()
    await client.query(`select pg_notify('Tap ✓', 'after untap')`)
    await client.query('select 1')
    expect(viaPg).toEqual(['after untap'])
    expect(tapped).toHaveLength(payloads.length + 5000)
  })
})
