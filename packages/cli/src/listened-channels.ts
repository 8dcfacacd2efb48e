/** A `LISTEN` and its channel: a quoted identifier (`""` inside is one `"`) or a plain one (folded to lower case). */
const LISTEN_STATEMENT = /\blisten\s+(?:"((?:[^"]|"")*)"|([a-z_\u0080-\uffff][\w$\u0080-\uffff]*))/gi

/**
 * The channels the LISTEN statements in `query` (a backend's last
 * statement, as `pg_stat_activity` shows it) listen to, in order, without
 * repeats: `LISTEN "jobs"; LISTEN "Audit"` → `['jobs', 'Audit']`. Quoted
 * names are kept exactly; plain ones are folded to lower case, as
 * PostgreSQL does. A name cut off by the server's `track_activity_query_size`
 * is left out. Never fails.
 *
 * ### Examples
 *
 * ```ts
 * listenedChannels('LISTEN "jobs"; LISTEN Audit') // ['jobs', 'audit']
 * listenedChannels('select 1')                     // []
 * ```
 */
export function listenedChannels(query: string): string[] {
  const channels = new Set<string>()
  for (const [, quoted, plain] of query.matchAll(LISTEN_STATEMENT)) {
    channels.add(quoted === undefined ? (plain ?? '').toLowerCase() : quoted.replaceAll('""', '"'))
  }
  channels.delete('')
  return [...channels]
}
