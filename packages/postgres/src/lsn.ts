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
