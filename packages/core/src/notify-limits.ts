import { InvalidArgumentError } from './errors.js'

/** PostgreSQL truncates identifiers past 63 bytes (NAMEDATALEN - 1). */
const MAX_CHANNEL_BYTES = 63

/** PostgreSQL rejects a NOTIFY payload of 8000 bytes or more. */
const MAX_PAYLOAD_BYTES = 7999

const encoder = new TextEncoder()

/**
 * Checks a channel name against PostgreSQL's limits, which every backend
 * applies so that code passing on one passes on the other. Throws
 * {@link InvalidArgumentError} for a non-string, an empty name, a NUL byte
 * or more than 63 bytes of UTF-8.
 *
 * ### Examples
 *
 * ```ts
 * assertValidChannel('jobs')            // ok
 * assertValidChannel('é'.repeat(32))    // throws: 64 bytes
 * ```
 */
export function assertValidChannel(channel: unknown): asserts channel is string {
  if (typeof channel !== 'string') {
    throw new InvalidArgumentError(`channel must be a string, got ${describe(channel)}`)
  }
  if (channel.length === 0) {
    throw new InvalidArgumentError('channel must not be empty: pass a name such as "jobs"')
  }
  if (channel.includes('\0')) {
    throw new InvalidArgumentError(`channel ${JSON.stringify(channel)} contains a NUL byte, which PostgreSQL cannot store: remove it`)
  }
  // Fast path: a string of n UTF-16 units is at most 3n bytes.
  if (channel.length * 3 <= MAX_CHANNEL_BYTES) return
  const bytes = encoder.encode(channel).length
  if (bytes > MAX_CHANNEL_BYTES) {
    throw new InvalidArgumentError(
      `channel ${JSON.stringify(channel.slice(0, 20))}… is ${bytes} bytes of UTF-8; ` +
        `PostgreSQL allows at most ${MAX_CHANNEL_BYTES}: use a shorter name`,
    )
  }
}

/**
 * Checks a payload against PostgreSQL's NOTIFY limit, or against
 * `maxBytes` (a transport with a larger one). Throws
 * {@link InvalidArgumentError} for a non-string, a NUL byte, or more bytes
 * of UTF-8 than the limit (7999 for NOTIFY).
 *
 * ### Examples
 *
 * ```ts
 * assertValidPayload('{"id":1}')         // ok
 * assertValidPayload('x'.repeat(8000))   // throws: send an id and read the row instead
 * ```
 */
export function assertValidPayload(payload: unknown, maxBytes = MAX_PAYLOAD_BYTES): asserts payload is string {
  if (typeof payload !== 'string') {
    throw new InvalidArgumentError(`payload must be a string, got ${describe(payload)}: serialise it first (JSON.stringify)`)
  }
  if (payload.includes('\0')) {
    throw new InvalidArgumentError('payload contains a NUL byte, which PostgreSQL cannot send: remove it or encode the payload (base64)')
  }
  // Fast path: a string of n UTF-16 units is at most 3n bytes.
  if (payload.length * 3 <= maxBytes) return
  const bytes = encoder.encode(payload).length
  if (bytes > maxBytes) {
    throw new InvalidArgumentError(
      maxBytes === MAX_PAYLOAD_BYTES
        ? `payload is ${bytes} bytes of UTF-8; PostgreSQL accepts less than ${MAX_PAYLOAD_BYTES + 1}: send a key and read the data from a table instead`
        : `payload is ${bytes} bytes of UTF-8; this transport accepts at most ${maxBytes}: send a key and read the data from a table instead`,
    )
  }
}

/**
 * Checks the `channels` argument of `listen` and returns it as a list. One
 * rule for every channel list: each channel once. A channel listed twice is
 * refused, as `l.listen(ch)` of a channel already listened to is; an empty
 * list is allowed (a listener whose channels come later, through
 * `l.listen`). Throws {@link InvalidArgumentError} on an invalid or
 * repeated name.
 *
 * ### Examples
 *
 * ```ts
 * channelList('jobs')              // ['jobs']
 * channelList([])                  // []
 * channelList(['a', 'b', 'a'])     // throws InvalidArgumentError: channel "a" is listed twice
 * ```
 */
export function channelList(channels: string | readonly string[]): string[] {
  const list = typeof channels === 'string' ? [channels] : channels
  if (!Array.isArray(list)) {
    throw new InvalidArgumentError(`channels must be a string or an array of strings, got ${describe(channels)}`)
  }
  const seen = new Set<string>()
  for (const channel of list) {
    assertValidChannel(channel)
    if (seen.has(channel)) throw new InvalidArgumentError(`channel ${JSON.stringify(channel)} is listed twice: list each channel once`)
    seen.add(channel)
  }
  return [...seen]
}

function describe(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  return typeof value
}
