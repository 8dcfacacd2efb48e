/**
 * A WAL position (an LSN) as PostgreSQL writes it: two hexadecimal halves,
 * `'16/B374D848'`. Never fails.
 *
 * ### Examples
 *
 * ```ts
 * formatLsn(0x16b374d848n) // '16/B374D848'
 * ```
 */
export function formatLsn(lsn: bigint): string {
  return `${(lsn >> 32n).toString(16).toUpperCase()}/${(lsn & 0xffffffffn).toString(16).toUpperCase()}`
}

/**
 * Reads an LSN written as {@link formatLsn} does (as PostgreSQL returns
 * `pg_lsn` values). Throws a `SyntaxError` for anything else.
 *
 * ### Examples
 *
 * ```ts
 * parseLsn('16/B374D848') // 0x16b374d848n
 * ```
 */
export function parseLsn(text: string): bigint {
  const match = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(text)
  if (match === null) throw new SyntaxError(`not an LSN: ${JSON.stringify(text)}`)
  return (BigInt(`0x${match[1]}`) << 32n) | BigInt(`0x${match[2]}`)
}
