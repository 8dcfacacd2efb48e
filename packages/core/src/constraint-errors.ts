import { LiteormError, type CodedErrorOptions, type ConstraintViolationCode, type LiteormErrorOptions } from './errors.js'

/** Where a constraint violation happened, as far as the database says. */
export interface ConstraintViolationOptions extends LiteormErrorOptions {
  readonly constraint?: string
  readonly table?: string
  readonly column?: string
}

/**
 * A row broke an integrity constraint. `constraint`, `table` and `column`
 * are set where the database reports them. Its own code is
 * `CONSTRAINT_VIOLATION`; each subclass has its own.
 *
 * ### Examples
 *
 * ```ts
 * try { await insertUser(email) } catch (e) {
 *   if (e instanceof ConstraintViolationError) console.log(e.code, e.constraint, e.table, e.column)
 * }
 * ```
 */
export class ConstraintViolationError extends LiteormError {
  declare readonly code: ConstraintViolationCode
  /** The constraint's name, such as `users_email_key`. */
  readonly constraint: string | undefined
  /** The table the constraint belongs to. */
  readonly table: string | undefined
  /** The column concerned (not-null violations name it). */
  readonly column: string | undefined

  constructor(message: string, options: ConstraintViolationOptions & CodedErrorOptions<ConstraintViolationCode> = {}) {
    super(message, { cause: options.cause, driverCode: options.driverCode, code: options.code ?? 'CONSTRAINT_VIOLATION' })
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
  declare readonly code: 'UNIQUE_VIOLATION'

  constructor(message: string, options?: ConstraintViolationOptions) {
    super(message, { ...options, code: 'UNIQUE_VIOLATION' })
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
  declare readonly code: 'FOREIGN_KEY_VIOLATION'

  constructor(message: string, options?: ConstraintViolationOptions) {
    super(message, { ...options, code: 'FOREIGN_KEY_VIOLATION' })
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
  declare readonly code: 'NOT_NULL_VIOLATION'

  constructor(message: string, options?: ConstraintViolationOptions) {
    super(message, { ...options, code: 'NOT_NULL_VIOLATION' })
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
  declare readonly code: 'CHECK_VIOLATION'

  constructor(message: string, options?: ConstraintViolationOptions) {
    super(message, { ...options, code: 'CHECK_VIOLATION' })
  }
}
