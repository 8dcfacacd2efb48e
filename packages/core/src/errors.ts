/**
 * The error hierarchy every liteorm backend maps its driver's errors into.
 *
 * Shape (after MikroORM's exception tree and Slonik's integrity errors),
 * with each class's `code`:
 *
 * ```
 * LiteormError                   DATABASE: a database error with no more specific class
 * ├─ InvalidArgumentError        INVALID_ARGUMENT: bad input, caught before any I/O
 * ├─ ClosedError                 CLOSED: the DB or Listener was closed
 * ├─ NoRowsError                 NO_ROWS: queryOne found nothing
 * ├─ ConnectionError             CONNECTION: refused, broken or lost connection
 * ├─ QueryCanceledError          QUERY_CANCELED: statement timeout or cancel request
 * ├─ NotifyQueueFullError        NOTIFY_QUEUE_FULL: the server's notification queue is full (PostgreSQL 54000)
 * ├─ InvalidPayloadError         INVALID_PAYLOAD: a typed channel received a payload it cannot parse
 * ├─ CallbackError               CALLBACK_FAILED: an onReset, handler or other callback of yours threw
 * ├─ MissedNotificationsError    OVERFLOW | PRUNED | UNREADABLE: notifications were dropped, never silently
 * ├─ ConstraintViolationError    CONSTRAINT_VIOLATION; carries constraint / table / column
 * │  ├─ UniqueViolationError     UNIQUE_VIOLATION
 * │  ├─ ForeignKeyViolationError FOREIGN_KEY_VIOLATION
 * │  ├─ NotNullViolationError    NOT_NULL_VIOLATION
 * │  └─ CheckViolationError      CHECK_VIOLATION
 * └─ RetryableError              RETRYABLE: run the whole transaction again
 *    ├─ SerializationFailureError SERIALIZATION_FAILURE
 *    ├─ DeadlockError            DEADLOCK
 *    └─ BusyError                BUSY: lock not available (SQLITE_BUSY, SQLITE_LOCKED, 55P03)
 * ```
 *
 * @module
 */

/**
 * Every `code` a liteorm error can have. Each belongs to one documented
 * class (see the tree above): branch on the class with `instanceof`, or on
 * the code where a class has several (`MissedNotificationsError`).
 */
export type LiteormErrorCode =
  | 'DATABASE'
  | 'INVALID_ARGUMENT'
  | 'CLOSED'
  | 'NO_ROWS'
  | 'CONNECTION'
  | 'QUERY_CANCELED'
  | 'NOTIFY_QUEUE_FULL'
  | 'INVALID_PAYLOAD'
  | 'CALLBACK_FAILED'
  | MissedNotificationsCode
  | ConstraintViolationCode
  | RetryableCode

/** The codes of {@link ConstraintViolationError} and its subclasses. */
export type ConstraintViolationCode = 'CONSTRAINT_VIOLATION' | 'UNIQUE_VIOLATION' | 'FOREIGN_KEY_VIOLATION' | 'NOT_NULL_VIOLATION' | 'CHECK_VIOLATION'

/** The codes of {@link RetryableError} and its subclasses. */
export type RetryableCode = 'RETRYABLE' | 'SERIALIZATION_FAILURE' | 'DEADLOCK' | 'BUSY'

/**
 * The codes of {@link MissedNotificationsError}: `OVERFLOW`, a subscription's
 * buffer overflowed and was dropped; `PRUNED`, an SQLite listener fell
 * further behind than the notifiers keep rows, or a PostgreSQL listener came
 * to a stored large payload after its retention; `UNREADABLE`, a
 * notification's stored large payload could not be read (the listener's DB
 * was opened without `largePayloads: 'table'`, or the table is missing).
 */
export type MissedNotificationsCode = 'OVERFLOW' | 'PRUNED' | 'UNREADABLE'

/** Options every liteorm error accepts. */
export interface LiteormErrorOptions {
  /** The driver's own error (or what a callback threw), kept unchanged. */
  readonly cause?: unknown
  /**
   * The database's own code: the SQLSTATE on PostgreSQL (`'23505'`), the
   * extended result code on SQLite (`'SQLITE_CONSTRAINT_UNIQUE'`).
   */
  readonly driverCode?: string
}

/** Options of a class that has more than one code: which one. */
export interface CodedErrorOptions<C extends LiteormErrorCode> extends LiteormErrorOptions {
  /** The code, one of those the class documents. */
  readonly code?: C
}

/**
 * Base class of every error liteorm throws. `code` is a stable string to
 * branch on; `cause` is the driver's original error.
 *
 * It is thrown as is, with code `DATABASE`, for database errors that have
 * no more specific class; every other code comes with its own subclass.
 *
 * ### Examples
 *
 * ```ts
 * try {
 *   await db.exec(sql`select 1/0`)
 * } catch (e) {
 *   if (e instanceof LiteormError) console.log(e.code, e.driverCode) // 'DATABASE' '22012'
 * }
 * ```
 */
export class LiteormError extends Error {
  /** A stable identifier of the kind of failure, such as `'UNIQUE_VIOLATION'`. */
  readonly code: LiteormErrorCode
  /** The database's own code (SQLSTATE on PostgreSQL), when it gave one. */
  readonly driverCode: string | undefined

  /** `options.code` is for subclasses, each passing its own; a plain `LiteormError` is `'DATABASE'`. */
  constructor(message: string, options: CodedErrorOptions<LiteormErrorCode> = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = new.target.name
    this.code = options.code ?? 'DATABASE'
    this.driverCode = options.driverCode
  }
}

/**
 * Bad input caught at the boundary, before anything was sent to the
 * database; the message says what was wrong and how to fix it.
 *
 * ### Examples
 *
 * ```ts
 * await notify(db, '', 'x') // rejects: InvalidArgumentError: channel must not be empty ...
 * ```
 */
export class InvalidArgumentError extends LiteormError {
  declare readonly code: 'INVALID_ARGUMENT'

  constructor(message: string, options?: LiteormErrorOptions) {
    super(message, { ...options, code: 'INVALID_ARGUMENT' })
  }
}

/**
 * The DB, transaction or Listener was closed; open a new one to go on.
 *
 * ### Examples
 *
 * ```ts
 * await db.close()
 * await db.query(sql`select 1`) // rejects with ClosedError
 * ```
 */
export class ClosedError extends LiteormError {
  declare readonly code: 'CLOSED'

  constructor(message: string, options?: LiteormErrorOptions) {
    super(message, { ...options, code: 'CLOSED' })
  }
}

/**
 * `queryOne` found no row.
 *
 * ### Examples
 *
 * ```ts
 * const user = await db.queryOne(sql`select * from users where id = ${id}`).catch((e) => {
 *   if (e instanceof NoRowsError) return undefined
 *   throw e
 * })
 * ```
 */
export class NoRowsError extends LiteormError {
  declare readonly code: 'NO_ROWS'

  constructor(message = 'the query returned no rows, and queryOne needs one', options?: LiteormErrorOptions) {
    super(message, { ...options, code: 'NO_ROWS' })
  }
}

/**
 * The database could not be reached, refused the connection, or the
 * connection broke. Retrying later may succeed.
 *
 * ### Examples
 *
 * ```ts
 * const db = open('postgres://app@127.0.0.1:1/app')
 * await db.query(sql`select 1`) // rejects with ConnectionError (ECONNREFUSED)
 * ```
 */
export class ConnectionError extends LiteormError {
  declare readonly code: 'CONNECTION'

  constructor(message: string, options?: LiteormErrorOptions) {
    super(message, { ...options, code: 'CONNECTION' })
  }
}

/**
 * The statement was cancelled: a statement timeout or a cancel request.
 *
 * ### Examples
 *
 * ```ts
 * await db.transaction(async (tx) => {
 *   await tx.exec(sql`set local statement_timeout = 10`)
 *   await tx.exec(sql`select pg_sleep(1)`) // rejects with QueryCanceledError
 * })
 * ```
 */
export class QueryCanceledError extends LiteormError {
  declare readonly code: 'QUERY_CANCELED'

  constructor(message: string, options?: LiteormErrorOptions) {
    super(message, { ...options, code: 'QUERY_CANCELED' })
  }
}

/**
 * The sender's transaction could not commit its notifications: the server's
 * one notification queue (PostgreSQL 17+: `max_notify_queue_pages`) is
 * full, because a listener stopped reading or sits in a long transaction.
 * The transaction is rolled back, data included; nothing already queued is
 * lost. Retry once listeners catch up; `pg_notification_queue_usage()` shows
 * the fill level.
 *
 * ### Examples
 *
 * ```ts
 * await notify(db, 'jobs', payload).catch((e) => {
 *   if (e instanceof NotifyQueueFullError) alertOps('a listener is stuck')
 *   throw e
 * })
 * ```
 */
export class NotifyQueueFullError extends LiteormError {
  declare readonly code: 'NOTIFY_QUEUE_FULL'

  constructor(message: string, options?: LiteormErrorOptions) {
    super(message, { ...options, code: 'NOTIFY_QUEUE_FULL' })
  }
}
