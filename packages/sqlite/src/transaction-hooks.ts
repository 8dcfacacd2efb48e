import { signalCommit } from './commit-signal.js'
import { NOTIFICATIONS_TABLE, SELECT_NOTIFICATIONS_SEQ } from './notifications-table.js'
import type { SqliteContext } from './sqlite-context.js'
import type { TransactionHooks } from './sqlite-driver.js'

/**
 * The bookkeeping a DB does at transaction boundaries: it tracks what the
 * open transaction did and, when one that notified commits, wakes this
 * process's listeners on the same database at once (`:memory:` ones also
 * learn the new highest committed id, and are woken after a rollback to
 * catch up on reads they deferred). Never fails.
 *
 * ### Examples
 *
 * ```ts
 * const driver = new SqliteDriver(raw, transactionHooks(context))
 * ```
 */
export function transactionHooks(context: SqliteContext): TransactionHooks {
  return {
    began() {
      context.tx = { notified: false, createdSchema: false }
    },
    committed() {
      const tx = context.tx
      context.tx = undefined
      if (tx === undefined) return
      if (tx.createdSchema) context.schemaReady = true
      if (!tx.notified) return
      if (context.settings.memory) context.committedNotificationId = highestNotificationId(context)
      signalCommit(context.key)
    },
    rolledBack() {
      context.tx = undefined
      if (context.settings.memory) signalCommit(context.key)
    },
  }
}

function highestNotificationId(context: SqliteContext): number {
  try {
    const seq = context.raw.prepare(SELECT_NOTIFICATIONS_SEQ).pluck().get(NOTIFICATIONS_TABLE)
    return typeof seq === 'number' ? Math.max(seq, context.committedNotificationId) : context.committedNotificationId
  } catch {
    return context.committedNotificationId
  }
}
