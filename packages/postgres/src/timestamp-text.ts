import pg from 'pg'

const MINUTE_MS = 60_000

/**
 * A `Date` as PostgreSQL timestamp text, meaning what node-postgres means
 * when it binds the same `Date` as a parameter: ISO 8601 in the process's
 * local time with its UTC offset (`2024-05-01T14:30:00.000+02:00`), or UTC
 * when `pg.defaults.parseInputDatesAsUTC` is set; years before 1 with
 * PostgreSQL's ` BC`. So a `timestamptz` gets the instant, and a
 * `timestamp` the same wall-clock time node-postgres would give it.
 * Returns `undefined` for an invalid `Date`.
 *
 * ### Examples
 *
 * ```ts
 * timestampText(new Date('2024-05-01T12:30:00Z')) // '2024-05-01T12:30:00.000Z' where the offset is 0
 * ```
 */
export function timestampText(date: Date): string | undefined {
  const time = date.getTime()
  if (Number.isNaN(time)) return undefined
  const offset = pg.defaults.parseInputDatesAsUTC === true ? 0 : -date.getTimezoneOffset()
  // The local wall-clock time is the UTC time of the instant moved by the offset.
  const wall = offset === 0 ? date : new Date(time + offset * MINUTE_MS)
  const year = wall.getUTCFullYear()
  if (offset === 0 && year >= 1 && year <= 9999) return date.toISOString()
  // toISOString ends in '-MM-DDTHH:mm:ss.sssZ' whatever the year's width.
  const rest = wall.toISOString().slice(-20, -1)
  const bc = year < 1
  const yearText = String(bc ? 1 - year : year).padStart(4, '0')
  const sign = offset < 0 ? '-' : '+'
  const minutes = Math.abs(offset)
  const zone = `${sign}${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`
  return `${yearText}${rest}${zone}${bc ? ' BC' : ''}`
}
