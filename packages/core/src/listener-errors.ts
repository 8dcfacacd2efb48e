import { LiteormError, type LiteormErrorOptions, type MissedNotificationsCode } from './errors.js'

/**
 * A notification on a typed channel carried a payload that does not parse or
 * does not pass the channel's validation. It carries the raw text, so
 * nothing is lost; the notification is not delivered as a value.
 *
 * ### Examples
 *
 * ```ts
 * await subscribe(db, jobs, { handler, onError: (e) => {
 *   if (e instanceof InvalidPayloadError) deadLetter(e.channel, e.payload)
 * } })
 * ```
 */
export class InvalidPayloadError extends LiteormError {
  declare readonly code: 'INVALID_PAYLOAD'
  /** The channel it arrived on. */
  readonly channel: string
  /** The payload exactly as received. */
  readonly payload: string

  constructor(message: string, channel: string, payload: string, options?: LiteormErrorOptions) {
    super(message, { ...options, code: 'INVALID_PAYLOAD' })
    this.channel = channel
    this.payload = payload
  }
}

/** Options of {@link CallbackError}. */
export interface CallbackErrorOptions extends LiteormErrorOptions {
  /** Which callback threw: `'onReset'`, `'handler'`, ... */
  readonly callback: string
}

/**
 * A callback you gave liteorm threw (or rejected): a listener's or a
 * subscription's `onReset`, a subscription's `handler`. What it threw is the
 * `cause`, and its message is in this one. A failing first `onReset`
 * rejects `listen()` with it; a later one is reported as `connect-failed`
 * and retried; a subscription reports its callbacks' failures to `onError`.
 *
 * ### Examples
 *
 * ```ts
 * try {
 *   await listen(db, 'jobs', { onReset: () => { throw new Error('backlog unreadable') } })
 * } catch (e) {
 *   if (e instanceof CallbackError) console.log(e.callback, e.message) // 'onReset' 'onReset failed: backlog unreadable'
 * }
 * ```
 */
export class CallbackError extends LiteormError {
  declare readonly code: 'CALLBACK_FAILED'
  /** Which callback threw. */
  readonly callback: string

  constructor(message: string, options: CallbackErrorOptions) {
    super(message, { cause: options.cause, driverCode: options.driverCode, code: 'CALLBACK_FAILED' })
    this.callback = options.callback
  }

  /**
   * The error for `callback` having thrown `thrown`, worded the same
   * everywhere: `"<callback> failed: <its message>"`, or
   * `"<callback> of <owner> failed: ..."` when an `owner` is named. Never fails.
   *
   * ### Examples
   *
   * ```ts
   * CallbackError.of('onReset', new Error('boom')).message                       // 'onReset failed: boom'
   * CallbackError.of('handler', 'oops', 'the subscription to "jobs"').message    // 'handler of the subscription to "jobs" failed: oops'
   * ```
   */
  static of(callback: string, thrown: unknown, owner?: string): CallbackError {
    const what = thrown instanceof Error ? thrown.message : String(thrown)
    return new CallbackError(`${callback}${owner === undefined ? '' : ` of ${owner}`} failed: ${what}`, { cause: thrown, callback })
  }
}

/** Options of {@link MissedNotificationsError}. */
export interface MissedNotificationsOptions extends LiteormErrorOptions {
  /** Why they were missed: `OVERFLOW`, `PRUNED` or `UNREADABLE`. */
  readonly code: MissedNotificationsCode
  /** How many notifications were dropped (for `PRUNED`, how many rows were pruned unread, at most). */
  readonly dropped: number
}

/**
 * Notifications were dropped, and this says so, so that no gap is silent:
 * code `OVERFLOW` when a subscription fell `maxBuffered` behind and dropped
 * its queue (reported to `onError` when it has no `onReset`); code
 * `PRUNED` when an SQLite listener fell further behind than the notifiers
 * keep rows, or a PostgreSQL listener came to a stored large payload after
 * its retention; code `UNREADABLE` when a PostgreSQL listener cannot read a
 * stored large payload (its DB was opened without `largePayloads: 'table'`,
 * or the table is missing). A listener's `onEvent` sees these as
 * `disconnected`; it reconnects and `onReset` runs.
 * Re-read what was missed from where it is stored.
 *
 * ### Examples
 *
 * ```ts
 * await subscribe(db, 'jobs', { onError: (e) => {
 *   if (e instanceof MissedNotificationsError) console.warn(`${e.code}: ${e.dropped} dropped`)
 * } })
 * ```
 */
export class MissedNotificationsError extends LiteormError {
  declare readonly code: MissedNotificationsCode
  /** How many notifications were dropped. */
  readonly dropped: number

  constructor(message: string, options: MissedNotificationsOptions) {
    super(message, { cause: options.cause, driverCode: options.driverCode, code: options.code })
    this.dropped = options.dropped
  }
}
