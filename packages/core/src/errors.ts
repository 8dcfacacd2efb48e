/**
 * The error hierarchy every liteorm backend maps its driver's errors into.
 *
 * Shape (after MikroORM's exception tree and Slonik's integrity errors):
 *
 * ```
 * LiteormError
 * ├─ InvalidArgumentError        bad input, caught before any I/O
 * ├─ ClosedError                 the DB or Listener was closed
 * ├─ NoRowsError                 queryOne found nothing
 * ├─ ConnectionError             refused, broken or lost connection
 * ├─ QueryCanceledError          statement timeout or cancel request
 * ├─ InvalidPayloadError         a typed channel received a payload it cannot parse
 * ├─ ConstraintViolationError    carries constraint / table / column
 * │  ├─ UniqueViolationError
 * │  ├─ ForeignKeyViolationError
 * │  ├─ NotNullViolationError
 * │  └─ CheckViolationError
 * └─ RetryableError              run the whole transaction again
 *    ├─ SerializationFailureError
 *    ├─ DeadlockError
 *    └─ BusyError                lock not available (SQLITE_BUSY, SQLITE_LOCKED, 55P03)
 * ```
 *
 * @module
 */

/** Options every liteorm error accepts. */
export interface LiteormErrorOptions {
  /** The driver's own error, kept unchanged. */
  readonly cause?: unknown
  /**
   * The database's own code: the SQLSTATE on PostgreSQL (`'23505'`), the
   * extended result code on SQLite (`'SQLITE_CONSTRAINT_UNIQUE'`).
   */
  readonly driverCode?: string
}

/**
 * Base class of every error liteorm throws. `code` is a stable string to
 * branch on; `cause` is the driver's original error.
 *
 * It is thrown as is for database errors that have no more specific class.
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
  readonly code: string
  /** The database's own code (SQLSTATE on PostgreSQL), when it gave one. */
  readonly driverCode: string | undefined

  constructor(message: string, options: LiteormErrorOptions = {}, code = 'DATABASE') {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = new.target.name
    this.code = code
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
  constructor(message: string, options?: LiteormErrorOptions) {
    super(message, options, 'INVALID_ARGUMENT')
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
  constructor(message: string, options?: LiteormErrorOptions) {
    super(message, options, 'CLOSED')
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
  constructor(message = 'the query returned no rows, and queryOne needs one', options?: LiteormErrorOptions) {
    super(message, options, 'NO_ROWS')
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
  constructor(message: string, options?: LiteormErrorOptions) {
    super(message, options, 'CONNECTION')
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
  constructor(message: string, options?: LiteormErrorOptions) {
    super(message, options, 'QUERY_CANCELED')
  }
}

/** Where a constraint violation happened, as far as the database says. */
export interface ConstraintViolationOptions extends LiteormErrorOptions {
  readonly constraint?: string
  readonly table?: string
  readonly column?: string
}

/**
 * A row broke an integrity constraint. `constraint`, `table` and `column`
 * are set where the database reports them.
 *
 * ### Examples
 *
 * ```ts
 * try { await insertUser(email) } catch (e) {
 *   if (e instanceof ConstraintViolationError) console.log(e.constraint, e.table, e.column)
 * }
 * ```
 */
export class ConstraintViolationError extends LiteormError {
  /** The constraint's name, such as `users_email_key`. */
  readonly constraint: string | undefined
  /** The table the constraint belongs to. */
  readonly table: string | undefined
  /** The column concerned (not-null violations name it). */
  readonly column: string | undefined

  constructor(message: string, options: ConstraintViolationOptions = {}, code = 'CONSTRAINT_VIOLATION') {
    super(message, options, code)
    this.constraint = options.constraint
    this.table = options.table
    this.column = options.column
  }
}

/**
 * A unique or primary-key constraint was violated.
 *
 * ### Examples
 *
 * ```ts
 * await db.exec(sql`insert into users (email) values (${'a@b.c'})`)
 * await db.exec(sql`insert into users (email) values (${'a@b.c'})`) // UniqueViolationError
 * ```
 */
export class UniqueViolationError extends ConstraintViolationError {
  constructor(message: string, options?: ConstraintViolationOptions) {
    super(message, options, 'UNIQUE_VIOLATION')
  }
}

/**
 * A foreign key points at a row that does not exist, or a referenced row
 * was deleted.
 *
 * ### Examples
 *
 * ```ts
 * await db.exec(sql`insert into orders (user_id) values (${404})`) // ForeignKeyViolationError
 * ```
 */
export class ForeignKeyViolationError extends ConstraintViolationError {
  constructor(message: string, options?: ConstraintViolationOptions) {
    super(message, options, 'FOREIGN_KEY_VIOLATION')
  }
}

/**
 * A NOT NULL column got a null; `column` names it.
 *
 * ### Examples
 *
 * ```ts
 * await db.exec(sql`insert into users (email) values (null)`) // NotNullViolationError, column 'email'
 * ```
 */
export class NotNullViolationError extends ConstraintViolationError {
  constructor(message: string, options?: ConstraintViolationOptions) {
    super(message, options, 'NOT_NULL_VIOLATION')
  }
}

/**
 * A CHECK constraint rejected the row.
 *
 * ### Examples
 *
 * ```ts
 * await db.exec(sql`insert into items (qty) values (-1)`) // CheckViolationError
 * ```
 */
export class CheckViolationError extends ConstraintViolationError {
  constructor(message: string, options?: ConstraintViolationOptions) {
    super(message, options, 'CHECK_VIOLATION')
  }
}

/**
 * The transaction lost a race with another one. Nothing is wrong with the
 * statement: roll back and run the whole transaction again.
 *
 * ### Examples
 *
 * ```ts
 * for (;;) {
 *   try { return await db.transaction(work, { isolationLevel: 'serializable' }) }
 *   catch (e) { if (!(e instanceof RetryableError)) throw e }
 * }
 * ```
 */
export class RetryableError extends LiteormError {
  constructor(message: string, options?: LiteormErrorOptions, code = 'RETRYABLE') {
    super(message, options, code)
  }
}

/**
 * A serializable or repeatable-read transaction could not be ordered with a
 * concurrent one (PostgreSQL 40001). Retry the transaction.
 *
 * ### Examples
 *
 * ```ts
 * await db.transaction(work, { isolationLevel: 'serializable' }) // may reject with it under contention
 * ```
 */
export class SerializationFailureError extends RetryableError {
  constructor(message: string, options?: LiteormErrorOptions) {
    super(message, options, 'SERIALIZATION_FAILURE')
  }
}

/**
 * The database broke a deadlock by aborting this transaction (PostgreSQL
 * 40P01). Retry the transaction.
 *
 * ### Examples
 *
 * ```ts
 * // two transactions locking rows a, b in opposite order: one gets DeadlockError
 * ```
 */
export class DeadlockError extends RetryableError {
  constructor(message: string, options?: LiteormErrorOptions) {
    super(message, options, 'DEADLOCK')
  }
}

/**
 * A lock could not be had in time: SQLite's `SQLITE_BUSY`, `SQLITE_BUSY_SNAPSHOT`
 * and `SQLITE_LOCKED` after the busy timeout, PostgreSQL's 55P03 (`NOWAIT`,
 * `lock_timeout`). Nothing was written; retry the transaction.
 *
 * ### Examples
 *
 * ```ts
 * await tx.exec(sql`select * from jobs for update nowait`) // BusyError when another holds the row
 * ```
 */
export class BusyError extends RetryableError {
  constructor(message: string, options?: LiteormErrorOptions) {
    super(message, options, 'BUSY')
  }
}

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
  /** The channel it arrived on. */
  readonly channel: string
  /** The payload exactly as received. */
  readonly payload: string

  constructor(message: string, channel: string, payload: string, options?: LiteormErrorOptions) {
    super(message, options, 'INVALID_PAYLOAD')
    this.channel = channel
    this.payload = payload
  }
}
