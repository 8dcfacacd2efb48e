import { InvalidArgumentError } from '@liteorm/core'

/** How a DB stores payloads of 8000 bytes or more: checked and frozen by {@link largePayloadSettings}. */
export interface LargePayloadSettings {
  /** Where they go: the migration's table. */
  readonly store: 'table'
  /** How long a stored payload is kept for listeners, in ms. */
  readonly retentionMs: number
}

/** One hour: long enough for a listener that is briefly behind or reconnecting, short enough to keep the table small. */
const DEFAULT_RETENTION_MS = 3_600_000

/**
 * Checks `open()`'s `largePayloads` and `largePayloadRetentionMs` options;
 * `undefined` when large payloads are off. Throws `InvalidArgumentError`
 * for a value other than `'table'`, or a retention that is not a positive
 * number of ms (or is given without `largePayloads`).
 *
 * ### Examples
 *
 * ```ts
 * largePayloadSettings('table', undefined) // { store: 'table', retentionMs: 3600000 }
 * largePayloadSettings(undefined, undefined) // undefined
 * ```
 */
export function largePayloadSettings(store: unknown, retentionMs: unknown): LargePayloadSettings | undefined {
  if (store === undefined) {
    if (retentionMs !== undefined) {
      throw new InvalidArgumentError("largePayloadRetentionMs applies to stored large payloads: add largePayloads: 'table', or drop it")
    }
    return undefined
  }
  if (store !== 'table') {
    throw new InvalidArgumentError(`largePayloads must be 'table' (store payloads of 8000 bytes or more in liteorm.large_payloads), got ${JSON.stringify(store) ?? String(store)}`)
  }
  const retention = retentionMs ?? DEFAULT_RETENTION_MS
  if (typeof retention !== 'number' || !Number.isFinite(retention) || retention <= 0) {
    throw new InvalidArgumentError(`largePayloadRetentionMs must be a positive number of milliseconds, got ${String(retention)}`)
  }
  return Object.freeze({ store, retentionMs: retention })
}
