import { describe, expect, it } from 'vitest'
import {
  BusyError,
  CallbackError,
  CheckViolationError,
  ClosedError,
  ConnectionError,
  ConstraintViolationError,
  DeadlockError,
  ForeignKeyViolationError,
  InvalidArgumentError,
  InvalidPayloadError,
  LiteormError,
  MissedNotificationsError,
  NoRowsError,
  NotNullViolationError,
  QueryCanceledError,
  RetryableError,
  SerializationFailureError,
  UniqueViolationError,
  type LiteormErrorCode,
} from '@liteorm/core'

describe('error codes', () => {
  it('every class has its documented code, and its name', () => {
    const cases: [LiteormError, LiteormErrorCode, string][] = [
      [new LiteormError('m'), 'DATABASE', 'LiteormError'],
      [new InvalidArgumentError('m'), 'INVALID_ARGUMENT', 'InvalidArgumentError'],
      [new ClosedError('m'), 'CLOSED', 'ClosedError'],
      [new NoRowsError(), 'NO_ROWS', 'NoRowsError'],
      [new ConnectionError('m'), 'CONNECTION', 'ConnectionError'],
      [new QueryCanceledError('m'), 'QUERY_CANCELED', 'QueryCanceledError'],
      [new InvalidPayloadError('m', 'c', 'p'), 'INVALID_PAYLOAD', 'InvalidPayloadError'],
      [new CallbackError('m', { callback: 'onReset' }), 'CALLBACK_FAILED', 'CallbackError'],
      [new MissedNotificationsError('m', { code: 'OVERFLOW', dropped: 3 }), 'OVERFLOW', 'MissedNotificationsError'],
      [new MissedNotificationsError('m', { code: 'PRUNED', dropped: 3 }), 'PRUNED', 'MissedNotificationsError'],
      [new ConstraintViolationError('m'), 'CONSTRAINT_VIOLATION', 'ConstraintViolationError'],
      [new UniqueViolationError('m'), 'UNIQUE_VIOLATION', 'UniqueViolationError'],
      [new ForeignKeyViolationError('m'), 'FOREIGN_KEY_VIOLATION', 'ForeignKeyViolationError'],
      [new NotNullViolationError('m'), 'NOT_NULL_VIOLATION', 'NotNullViolationError'],
      [new CheckViolationError('m'), 'CHECK_VIOLATION', 'CheckViolationError'],
      [new RetryableError('m'), 'RETRYABLE', 'RetryableError'],
      [new SerializationFailureError('m'), 'SERIALIZATION_FAILURE', 'SerializationFailureError'],
      [new DeadlockError('m'), 'DEADLOCK', 'DeadlockError'],
      [new BusyError('m'), 'BUSY', 'BusyError'],
    ]
    for (const [error, code, name] of cases) {
      expect(error).toBeInstanceOf(LiteormError)
      expect({ code: error.code, name: error.name }).toEqual({ code, name })
    }
  })

  it('cause, driverCode and the constraint fields are kept; a subclass code cannot be overridden through options', () => {
    const cause = new Error('driver')
    const e = new UniqueViolationError('dup', { cause, driverCode: '23505', constraint: 'users_email_key', table: 'users', column: 'email' })
    expect(e).toMatchObject({ cause, driverCode: '23505', constraint: 'users_email_key', table: 'users', column: 'email', code: 'UNIQUE_VIOLATION' })
    expect(new ClosedError('m', { code: 'BUSY' } as never).code).toBe('CLOSED')
  })

  it('CallbackError.of words a failing callback the same everywhere and keeps what it threw as cause', () => {
    const thrown = new Error('backlog unreadable')
    expect(CallbackError.of('onReset', thrown)).toMatchObject({ message: 'onReset failed: backlog unreadable', callback: 'onReset', cause: thrown, code: 'CALLBACK_FAILED' })
    expect(CallbackError.of('handler', 'oops', 'the subscription to "jobs"').message).toBe('handler of the subscription to "jobs" failed: oops')
  })
})
