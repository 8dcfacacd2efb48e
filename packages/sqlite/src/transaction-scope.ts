import { AsyncLocalStorage } from 'node:async_hooks'
import { InvalidArgumentError } from '@liteorm/core'

/** The transaction callback running on a DB, while it runs. */
interface Scope {
  readonly db: object
  active: boolean
}

const scopes = new AsyncLocalStorage<Scope>()
/** Transaction callbacks running now, on every DB of the process. */
let running = 0

/**
 * Runs `fn`, a transaction's callback on the DB identified by `db`,
 * remembering (for code it calls, awaits or schedules) that the DB's one
 * connection is held by the transaction until `fn` settles. Never fails by
 * itself: it settles like `fn`. While no such callback runs, on any DB of
 * the process, the remembering is switched off: on Node 20 it costs every
 * `await` of the process about 0.1 µs.
 *
 * ### Examples
 *
 * ```ts
 * super.transaction((tx) => inTransactionOf(context, () => fn(tx)), options)
 * ```
 */
export async function inTransactionOf<T>(db: object, fn: () => Promise<T>): Promise<T> {
  const scope: Scope = { db, active: true }
  running++
  try {
    return await scopes.run(scope, fn)
  } finally {
    scope.active = false
    // On Node 20 an enabled AsyncLocalStorage keeps promise hooks on for the whole process. With no
    // callback running no scope is active, so it may be off until the next run() turns it on again.
    if (--running === 0) scopes.disable()
  }
}

/**
 * Throws {@link InvalidArgumentError} when called from inside a transaction
 * callback on the DB identified by `db`: a call on the DB itself would wait
 * for the connection that transaction holds, which it gives back only once
 * the callback ends: forever.
 *
 * ### Examples
 *
 * ```ts
 * assertOutsideTransactionOf(context, 'query') // in SqliteKyselyDB.query
 * ```
 */
export function assertOutsideTransactionOf(db: object, operation: string): void {
  const scope = scopes.getStore()
  if (scope?.active === true && scope.db === db) {
    throw new InvalidArgumentError(
      `${operation} on the DB inside one of its own transactions would wait for that transaction to end, forever: ` +
        'an SQLite DB has one connection, and the transaction holds it. Use the session the transaction callback receives (tx), ' +
        'or a DB opened separately on the same file',
    )
  }
}
