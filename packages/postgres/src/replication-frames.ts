/**
 * The pieces of PostgreSQL's streaming-replication protocol and of the
 * `pgoutput` plugin that the logical transport reads and writes. Every
 * frame is the payload of one CopyData message.
 */

/** A frame the walsender sends: WAL data carrying one pgoutput message, or a keepalive. */
type ServerFrame =
  | { readonly kind: 'data'; readonly message: PgoutputMessage }
  | { readonly kind: 'keepalive'; readonly walEnd: bigint; readonly replyRequested: boolean }

/** The pgoutput messages the transport acts on; the others (relations, origins, types) are `other`. */
export type PgoutputMessage =
  | { readonly type: 'begin'; readonly commitLsn: bigint }
  | { readonly type: 'message'; readonly transactional: boolean; readonly lsn: bigint; readonly prefix: string; readonly content: Buffer }
  | { readonly type: 'commit'; readonly commitLsn: bigint; readonly endLsn: bigint }
  | { readonly type: 'other' }

const XLOG_DATA = 0x77 // 'w'
const KEEPALIVE = 0x6b // 'k'
const STATUS_UPDATE = 0x72 // 'r'

/** XLogData's header: type, start, end, send time. */
const XLOG_HEADER_BYTES = 1 + 8 + 8 + 8

const OTHER: PgoutputMessage = Object.freeze({ type: 'other' })

/**
 * Decodes one CopyData payload from the walsender. Throws a `RangeError`
 * for a truncated frame and a `SyntaxError` for an unknown frame type.
 *
 * ### Examples
 *
 * ```ts
 * const frame = decodeServerFrame(copyData)
 * if (frame.kind === 'keepalive' && frame.replyRequested) sendStatus()
 * ```
 */
export function decodeServerFrame(frame: Buffer): ServerFrame {
  if (frame[0] === XLOG_DATA) return { kind: 'data', message: decodePgoutput(frame, XLOG_HEADER_BYTES) }
  if (frame[0] === KEEPALIVE) return { kind: 'keepalive', walEnd: frame.readBigUInt64BE(1), replyRequested: frame.readUInt8(17) === 1 }
  throw new SyntaxError(`unknown replication frame type ${String(frame[0])}`)
}

/** Decodes the pgoutput message (protocol version 1) at `offset`. */
function decodePgoutput(frame: Buffer, offset: number): PgoutputMessage {
  switch (frame[offset]) {
    case 0x42: // 'B': final LSN, commit time, xid
      return { type: 'begin', commitLsn: frame.readBigUInt64BE(offset + 1) }
    case 0x43: // 'C': flags, commit LSN, end LSN, commit time
      return { type: 'commit', commitLsn: frame.readBigUInt64BE(offset + 2), endLsn: frame.readBigUInt64BE(offset + 10) }
    case 0x4d: {
      // 'M': flags, LSN, prefix (NUL-terminated), content length, content
      const transactional = (frame.readUInt8(offset + 1) & 1) === 1
      const lsn = frame.readBigUInt64BE(offset + 2)
      const prefixStart = offset + 10
      const prefixEnd = frame.indexOf(0, prefixStart)
      if (prefixEnd < 0) throw new RangeError('logical message without the end of its prefix')
      const length = frame.readUInt32BE(prefixEnd + 1)
      const contentStart = prefixEnd + 5
      if (contentStart + length > frame.length) throw new RangeError('logical message shorter than its content length')
      return { type: 'message', transactional, lsn, prefix: frame.toString('utf8', prefixStart, prefixEnd), content: frame.subarray(contentStart, contentStart + length) }
    }
    default:
      return OTHER
  }
}

/** Microseconds between the Unix epoch and PostgreSQL's (2000-01-01). */
const POSTGRES_EPOCH_US = 946_684_800_000_000n

/**
 * A Standby Status Update: everything before `flushed` is written, flushed
 * and applied on this side, so the server may advance the slot to it.
 * `replyRequested` asks for a keepalive back at once (a round trip). Never
 * fails.
 *
 * ### Examples
 *
 * ```ts
 * stream.write(statusUpdate(0x1764460n, true))
 * ```
 */
export function statusUpdate(flushed: bigint, replyRequested: boolean): Buffer {
  const frame = Buffer.alloc(34)
  frame.writeUInt8(STATUS_UPDATE, 0)
  frame.writeBigUInt64BE(flushed, 1) // written
  frame.writeBigUInt64BE(flushed, 9) // flushed
  frame.writeBigUInt64BE(flushed, 17) // applied
  frame.writeBigUInt64BE(BigInt(Date.now()) * 1000n - POSTGRES_EPOCH_US, 25)
  frame.writeUInt8(replyRequested ? 1 : 0, 33)
  return frame
}
