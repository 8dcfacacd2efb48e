import { InvalidArgumentError } from '@liteorm/core'
import { resolve } from 'node:path'
import type { OpenOptions } from './open-options.js'

/** The frozen, checked form of {@link OpenOptions}. Internal. */
export interface SqliteSettings {
  /** The absolute path, or `':memory:'`. */
  readonly filename: string
  /** An in-memory (or anonymous temporary) database, private to its connection. */
  readonly memory: boolean
  readonly busyTimeoutMs: number
  readonly readonly: boolean
  readonly fileMustExist: boolean
  readonly notificationRetentionMs: number
}

const DEFAULT_BUSY_TIMEOUT_MS = 5000
const DEFAULT_RETENTION_MS = 60_000

/**
 * Checks what `open` was given and fills in defaults. Throws
 * {@link InvalidArgumentError} naming the bad argument.
 *
 * ### Examples
 *
 * ```ts
 * openSettings('app.db').busyTimeoutMs                    // 5000
 * openSettings({ filename: ':memory:' }).memory           // true
 * ```
 */
export function openSettings(filenameOrOptions: string | OpenOptions): SqliteSettings {
  const o: OpenOptions = typeof filenameOrOptions === 'string' ? { filename: filenameOrOptions } : filenameOrOptions
  if (typeof o !== 'object' || o === null) {
    const got = o === null ? 'null' : typeof o
    throw new InvalidArgumentError(`open() needs a file name, ':memory:' or options such as { filename: 'app.db' }, got ${got}`)
  }
  const { filename } = o
  if (typeof filename !== 'string') {
    throw new InvalidArgumentError(`open() needs options.filename: a file name or ':memory:', got ${typeof filename}`)
  }
  if (filename.trim() === '') {
    throw new InvalidArgumentError("open() needs a file name such as 'app.db', or ':memory:' for an in-memory database; got an empty string")
  }
  if (filename.includes('\0')) throw new InvalidArgumentError('open(): the file name contains a NUL byte; remove it')
  const memory = filename === ':memory:'
  const busyTimeoutMs = o.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS
  if (typeof busyTimeoutMs !== 'number' || !Number.isInteger(busyTimeoutMs) || busyTimeoutMs < 0 || busyTimeoutMs > 2 ** 31 - 1) {
    throw new InvalidArgumentError(`busyTimeoutMs must be a whole number of milliseconds, 0 or more, got ${String(busyTimeoutMs)}`)
  }
  const retention = o.notificationRetentionMs ?? DEFAULT_RETENTION_MS
  if (typeof retention !== 'number' || !Number.isFinite(retention) || retention <= 0) {
    throw new InvalidArgumentError(`notificationRetentionMs must be a positive number of milliseconds, got ${String(retention)}`)
  }
  for (const name of ['readonly', 'fileMustExist'] as const) {
    if (o[name] !== undefined && typeof o[name] !== 'boolean') {
      throw new InvalidArgumentError(`${name} must be true or false, got ${typeof o[name]}`)
    }
  }
  if (memory && (o.fileMustExist === true || o.readonly === true)) {
    throw new InvalidArgumentError(`${o.readonly === true ? 'readonly' : 'fileMustExist'} makes no sense with ':memory:': an in-memory database starts empty at open()`)
  }
  return Object.freeze({
    filename: memory ? filename : resolve(filename),
    memory,
    busyTimeoutMs,
    readonly: o.readonly ?? false,
    fileMustExist: o.fileMustExist ?? false,
    notificationRetentionMs: retention,
  })
}
