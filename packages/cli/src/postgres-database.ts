import { open, type PostgresDB } from '@liteorm/postgres'

/**
 * The `application_name` of every connection the `liteorm` command makes,
 * unless the URL sets one (`?application_name=…`): how `liteorm status`, or
 * an administrator, tells them apart in `pg_stat_activity`.
 *
 * ### Examples
 *
 * ```sql
 * select pid from pg_stat_activity where application_name = 'liteorm-cli'
 * ```
 */
const APPLICATION_NAME = 'liteorm-cli'

/**
 * Opens a DB on the PostgreSQL server at `url`, its connections named
 * {@link APPLICATION_NAME}; with `largePayloads`, opened with
 * `largePayloads: 'table'`. Synchronous and lazy like `open()` of
 * `@liteorm/postgres`; throws its `InvalidArgumentError` for a malformed
 * URL, which never repeats the URL.
 *
 * ### Examples
 *
 * ```ts
 * const db = openPostgres('postgres://app:secret@localhost:5432/app')
 * await db.close()
 * ```
 */
export function openPostgres(url: string, largePayloads = false): PostgresDB<unknown> {
  return open({ url, application_name: APPLICATION_NAME, ...(largePayloads ? { largePayloads: 'table' as const } : {}) })
}
