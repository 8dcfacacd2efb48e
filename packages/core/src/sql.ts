/**
 * Kysely's `sql` template tag: interpolated values become bound parameters.
 *
 * ### Examples
 *
 * ```ts
 * const rows = await db.query(sql<{ id: number }>`select id from users where email = ${email}`)
 * ```
 *
 * @module
 */
export { sql } from 'kysely'
export type { RawBuilder, Sql } from 'kysely'
