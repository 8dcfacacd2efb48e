import { ConnectionError, LiteormError, MissedNotificationsError, type Notification } from '@liteorm/core'
import { createNotification, type LinkSink } from '@liteorm/core/backend'
import { isMigrationMissing, migrationMissing, STORED_PAYLOAD_PREFIX } from './large-payloads.js'

/** A stored payload's key after the prefix: a row id, a positive bigint. */
const KEY = /^[1-9][0-9]{0,18}$/

/** Reads the payload stored under `key` for `channel`: `undefined` when no such row is left. */
type ReadStored = (key: string, channel: string) => Promise<string | undefined>

/**
 * Stands between a PostgreSQL link's decoder and its sink: a notification
 * whose payload is a stored large payload's key is replaced by the original
 * payload, read with `read` (on the listener's own connection), and the
 * notifications after it wait for it, so the order stays the order of
 * arrival. Everything else passes straight through (one character compared).
 *
 * When the payload cannot be had — its row is gone (past retention: code
 * `PRUNED`), or this DB cannot read stored payloads (`read` is undefined, or
 * the table is missing: code `UNREADABLE`) — the link reports itself lost
 * with a {@link MissedNotificationsError} saying why, so the listener tells
 * `onEvent`, reconnects and runs `onReset`, as for any gap; a failed read
 * reports its error the same way. What waits behind it is dropped with the
 * link, like notifications in flight on a lost connection.
 *
 * ### Examples
 *
 * ```ts
 * const reader = new StoredPayloadReader(sink, (key, channel) => readRow(key, channel), target)
 * tapNotifications(socket, reader.deliver)
 * // on release:
 * reader.stop()
 * ```
 */
export class StoredPayloadReader {
  readonly #sink: LinkSink
  readonly #read: ReadStored | undefined
  readonly #target: string
  /** Arrived, not yet delivered: the first may be waiting for its payload. */
  #waiting: Notification[] = []
  #head = 0
  #stopped = false

  constructor(sink: LinkSink, read: ReadStored | undefined, target: string) {
    this.#sink = sink
    this.#read = read
    this.#target = target
  }

  /** Takes the next notification off the connection, in arrival order. Never throws. */
  readonly deliver = (n: Notification): void => {
    if (this.#head === this.#waiting.length && n.payload.charCodeAt(0) !== 1) return this.#sink.deliver(n)
    if (this.#stopped) return
    this.#waiting.push(n)
    if (this.#waiting.length - this.#head === 1) void this.#drain()
  }

  /** The link is released: nothing more reaches the sink. */
  stop(): void {
    this.#stopped = true
    this.#waiting = []
    this.#head = 0
  }

  /** Delivers what waits, in order, reading stored payloads one at a time. */
  async #drain(): Promise<void> {
    while (!this.#stopped && this.#head < this.#waiting.length) {
      const n = this.#waiting[this.#head]!
      const key = storedKey(n.payload)
      if (key !== undefined) {
        const payload = await this.#payloadOf(n, key)
        if (this.#stopped) return
        if (payload === undefined) return
        this.#sink.deliver(createNotification(n.channel, payload, n.pid))
      } else {
        this.#sink.deliver(n)
      }
      this.#head++
    }
    this.#waiting = []
    this.#head = 0
  }

  /** The stored payload of `n`; `undefined` once the link was reported lost instead. */
  async #payloadOf(n: Notification, key: string): Promise<string | undefined> {
    const where = `a notification on channel ${JSON.stringify(n.channel)} from backend ${n.pid} (stored payload ${key} in liteorm.large_payloads)`
    if (this.#read === undefined) {
      return this.#missed(
        'UNREADABLE',
        `${where} carries a large payload stored by a sender opened with largePayloads: 'table', and this DB was opened without it: ` +
          "open the listening DB with largePayloads: 'table' too. It was not delivered; the listener reconnects and runs onReset",
      )
    }
    let payload: string | undefined
    try {
      payload = await this.#read(key, n.channel)
    } catch (error) {
      if (this.#stopped) return undefined
      if (error instanceof ConnectionError || !(error instanceof LiteormError)) return this.#lost(error)
      const why = isMigrationMissing(error) ? migrationMissing(error) : error
      return this.#missed('UNREADABLE', `${where} could not be read from ${this.#target}: ${why.message}`, why)
    }
    if (payload !== undefined || this.#stopped) return payload
    return this.#missed(
      'PRUNED',
      `${where} is gone: it was deleted after its retention (largePayloadRetentionMs) before this listener came to it, which was too far behind. ` +
        'It was not delivered; the listener reconnects and runs onReset',
    )
  }

  #missed(code: 'PRUNED' | 'UNREADABLE', message: string, cause?: unknown): undefined {
    return this.#lost(new MissedNotificationsError(message, { code, dropped: 1, cause }))
  }

  #lost(error: unknown): undefined {
    const reported =
      error instanceof LiteormError ? error : new ConnectionError(`${this.#target}: reading a stored large payload failed: ${String(error)}`, { cause: error })
    this.stop()
    this.#sink.lost(reported)
    return undefined
  }
}

/** The row id a stored payload's notification carries, or `undefined` for any other payload. */
function storedKey(payload: string): string | undefined {
  if (!payload.startsWith(STORED_PAYLOAD_PREFIX)) return undefined
  const key = payload.slice(STORED_PAYLOAD_PREFIX.length)
  return KEY.test(key) ? key : undefined
}
