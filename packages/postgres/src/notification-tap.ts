import type { Notification } from '@liteorm/core'
import { createNotification } from '@liteorm/core/backend'
import type { Socket } from 'node:net'

/** The type byte of the protocol's NotificationResponse message ('A'). */
const NOTIFICATION_RESPONSE = 0x41

/** Type byte and length word that start every backend message. */
const HEADER_BYTES = 5

/** Node's UTF-8 decoder without `buffer.toString`'s argument handling (about 10 ns a call on this path). */
interface Utf8Slicing {
  utf8Slice(start: number, end: number): string
}

const HAS_UTF8_SLICE = typeof (Buffer.prototype as Partial<Utf8Slicing>).utf8Slice === 'function'

/** Decodes `bytes[start, end)` as UTF-8, the connection's client encoding. A declared function, so V8 inlines it. */
function decodeUtf8(bytes: Buffer, start: number, end: number): string {
  return HAS_UTF8_SLICE ? (bytes as Buffer & Utf8Slicing).utf8Slice(start, end) : bytes.toString('utf8', start, end)
}

/** Header, process id, and the NULs ending an empty channel and payload. */
const MIN_NOTIFICATION_BYTES = HEADER_BYTES + 4 + 2

/**
 * Splits the bytes a PostgreSQL backend sends: each NotificationResponse
 * message is decoded here, straight into a frozen {@link Notification};
 * every other byte is forwarded, in order and unchanged, to the parser
 * behind it (node-postgres's). A listener's connection carries little else,
 * so this is its hot path: no intermediate message object, no event
 * emitter, and a repeated channel name is not decoded again.
 *
 * Chunks may split messages anywhere. Forwarded bytes are whole messages
 * except for a large one spanning chunks, which goes on as it arrives; an
 * incomplete NotificationResponse waits for the rest. A malformed one is
 * forwarded, for the parser behind to judge.
 *
 * ### Examples
 *
 * ```ts
 * const tap = new NotificationTap((n) => queue.push(n), (bytes) => pgParser(bytes))
 * socket.on('data', (chunk) => tap.write(chunk))
 * ```
 */
export class NotificationTap {
  readonly #onNotification: (n: Notification) => void
  readonly #forward: (bytes: Buffer) => void
  /** Bytes of the current non-notification message still to forward as they arrive. */
  #passing = 0
  /** The start of a message whose header or NotificationResponse body is incomplete. */
  #pending: Buffer | undefined
  /** The last channel decoded, reused while the same ASCII bytes repeat. */
  #channel = ''
  #channelIsAscii = false

  constructor(onNotification: (n: Notification) => void, forward: (bytes: Buffer) => void) {
    this.#onNotification = onNotification
    this.#forward = forward
  }

  /**
   * Takes the next chunk read from the socket. Throws only what the
   * callbacks throw.
   *
   * ### Examples
   *
   * ```ts
   * tap.write(chunk)
   * ```
   */
  write(chunk: Buffer): void {
    let offset = this.#pending === undefined ? 0 : this.#resume(chunk)
    if (this.#passing > 0 && offset < chunk.length) {
      const end = Math.min(offset + this.#passing, chunk.length)
      this.#passing -= end - offset
      this.#forward(offset === 0 && end === chunk.length ? chunk : chunk.subarray(offset, end))
      offset = end
    }
    if (offset < chunk.length) this.#scan(chunk, offset)
  }

  /**
   * Completes the held-back message start with the first bytes of `chunk`
   * (only those it needs, not a copy of the whole read) and hands the
   * message on; returns how many bytes of `chunk` that took. A message still
   * incomplete is held back again; one that is not a notification passes
   * on as it arrives.
   */
  #resume(chunk: Buffer): number {
    let message = this.#pending!
    this.#pending = undefined
    let used = 0
    if (message.length < HEADER_BYTES) {
      used = Math.min(HEADER_BYTES - message.length, chunk.length)
      message = Buffer.concat([message, chunk.subarray(0, used)])
      if (message.length < HEADER_BYTES) {
        this.#pending = message
        return used
      }
    }
    const total = 1 + message.readUInt32BE(1)
    if (message[0] !== NOTIFICATION_RESPONSE) {
      this.#forward(message)
      this.#passing = Math.max(0, total - message.length)
      return used
    }
    const taken = Math.max(0, Math.min(total - message.length, chunk.length - used))
    if (taken > 0) message = Buffer.concat([message, chunk.subarray(used, used + taken)])
    used += taken
    if (message.length < total) this.#pending = message
    else if (!this.#decode(message, 0, total)) this.#forward(message)
    return used
  }

  /** Decodes and forwards the messages of `bytes` from `offset` on, holding back an incomplete notification or header. */
  #scan(bytes: Buffer, offset: number): void {
    const end = bytes.length
    let runStart = offset
    while (end - offset >= HEADER_BYTES) {
      const next = offset + 1 + (((bytes[offset + 1]! << 24) | (bytes[offset + 2]! << 16) | (bytes[offset + 3]! << 8) | bytes[offset + 4]!) >>> 0)
      if (bytes[offset] !== NOTIFICATION_RESPONSE) {
        if (next > end) {
          this.#passing = next - end
          offset = end
          break
        }
        offset = next
        continue
      }
      if (next > end) break
      if (runStart < offset) this.#forward(bytes.subarray(runStart, offset))
      if (!this.#decode(bytes, offset, next)) this.#forward(bytes.subarray(offset, next))
      offset = next
      runStart = offset
    }
    if (runStart < offset) this.#forward(bytes.subarray(runStart, offset))
    if (offset < end) this.#pending = bytes.subarray(offset)
  }

  /**
   * Hands over what is held back (the start of an incomplete message), so
   * the parser behind can take the socket over again.
   *
   * ### Examples
   *
   * ```ts
   * tap.flush()
   * ```
   */
  flush(): void {
    const pending = this.#pending
    this.#pending = undefined
    this.#passing = 0
    if (pending !== undefined) this.#forward(pending)
  }

  /** Decodes the NotificationResponse in `bytes[start, end)`; false when it is malformed. */
  #decode(bytes: Buffer, start: number, end: number): boolean {
    if (end - start < MIN_NOTIFICATION_BYTES || bytes[end - 1] !== 0) return false
    const pid = (bytes[start + 5]! << 24) | (bytes[start + 6]! << 16) | (bytes[start + 7]! << 8) | bytes[start + 8]!
    const channelStart = start + HEADER_BYTES + 4
    let channel = this.#channel
    let channelEnd = channelStart + channel.length
    if (!this.#channelIsAscii || channelEnd >= end - 1 || bytes[channelEnd] !== 0 || !sameAscii(bytes, channelStart, channel)) {
      channelEnd = channelStart
      let ascii = true
      while (bytes[channelEnd] !== 0) {
        if (bytes[channelEnd]! >= 0x80) ascii = false
        channelEnd++
      }
      // The payload ends at the message's last byte, its terminating NUL.
      if (channelEnd >= end - 1) return false
      channel = decodeUtf8(bytes, channelStart, channelEnd)
      this.#channel = channel
      this.#channelIsAscii = ascii
    }
    this.#onNotification(createNotification(channel, decodeUtf8(bytes, channelEnd + 1, end - 1), pid))
    return true
  }
}

/** Whether `bytes` hold the ASCII string `text` from `start` on. */
function sameAscii(bytes: Buffer, start: number, text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    if (bytes[start + i] !== text.charCodeAt(i)) return false
  }
  return true
}

/**
 * Puts a {@link NotificationTap} between `socket` and node-postgres's
 * parser, which reads it through its one `'data'` listener, and returns
 * the function that takes it out again (handing held-back bytes to the
 * parser first). Returns `undefined`, changing nothing, when the socket is
 * not read the way this expects; notifications then keep arriving through
 * node-postgres's own events.
 *
 * ### Examples
 *
 * ```ts
 * const untap = tapNotifications(socket, (n) => queue.push(n))
 * // …
 * untap?.()
 * ```
 */
export function tapNotifications(socket: Socket, onNotification: (n: Notification) => void): (() => void) | undefined {
  const readers = socket.listeners('data')
  if (readers.length !== 1) return undefined
  const parse = readers[0] as (chunk: Buffer) => void
  const tap = new NotificationTap(onNotification, (bytes) => parse.call(socket, bytes))
  const write = (chunk: Buffer): void => tap.write(chunk)
  socket.removeListener('data', parse)
  socket.on('data', write)
  return () => {
    socket.removeListener('data', write)
    socket.on('data', parse)
    tap.flush()
  }
}
