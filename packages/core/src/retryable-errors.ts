import { LiteormError, type CodedErrorOptions, type LiteormErrorOptions, type RetryableCode } from './errors.js'

/**
 * The transaction lost a race with another one. Nothing is wrong with the
 * statement: roll back and run the whole transaction again. Its own code is
 * `RETRYABLE`; each subclass has its own.
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
  declare readonly code: RetryableCode

  constructor(message: string, options: CodedErrorOptions<RetryableCode> = {}) {
    super(message, { ...options, code: options.code ?? 'RETRYABLE' })
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
  declare readonly code: 'SERIALIZATION_FAILURE'

  constructor(message: string, options?: LiteormErrorOptions) {
    super(message, { ...options, code: 'SERIALIZATION_FAILURE' })
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
  declare readonly code: 'DEADLOCK'

  constructor(message: string, options?: LiteormErrorOptions) {
    super(message, { ...options, code: 'DEADLOCK' })
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
  declare readonly code: 'BUSY'

  constructor(message: string, options?: LiteormErrorOptions) {
    super(message, { ...options, code: 'BUSY' })
  }
}
