import type { Subscription } from '@liteorm/core'

/**
 * A subscription on PostgreSQL: the backend-neutral {@link Subscription}
 * (the same type `@liteorm/sqlite`'s `subscribe` returns), under the name
 * this package has always used.
 *
 * ### Examples
 *
 * ```ts
 * const sub: PostgresSubscription<{ id: number }> = await subscribe(db, jsonChannel<{ id: number }>('jobs'))
 * ```
 */
export type PostgresSubscription<T = string> = Subscription<T>
