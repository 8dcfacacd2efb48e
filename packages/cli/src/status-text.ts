import type { ListenerConnection, ServerStatus } from './server-status.js'

/**
 * Renders `status` as `liteorm status` prints it by default:
 *
 * ```text
 * PostgreSQL 18.0, database "app"
 * notification queue: 0.00019% used
 * channels: "audit", "jobs"
 * listener connections: 1
 *   PID   APPLICATION  CLIENT           CONNECTED AT              CHANNELS
 *   4242  liteorm-cli  127.0.0.1:51234  2025-05-01T12:00:00.000Z  "audit", "jobs"
 * ```
 *
 * Never fails.
 *
 * ### Examples
 *
 * ```ts
 * process.stdout.write(statusText(await serverStatus(db)))
 * ```
 */
export function statusText(status: ServerStatus): string {
  const lines = [
    `PostgreSQL ${status.serverVersion}, database ${JSON.stringify(status.database)}`,
    `notification queue: ${percent(status.queueUsage)} used`,
    `channels: ${status.channels.length === 0 ? '(none known)' : names(status.channels)}`,
    `listener connections: ${status.listeners.length === 0 ? 'none' : status.listeners.length}`,
  ]
  if (status.listeners.length > 0) {
    const header = ['PID', 'APPLICATION', 'CLIENT', 'CONNECTED AT', 'CHANNELS']
    lines.push(...table([header, ...status.listeners.map(row)]).map((line) => `  ${line}`))
  }
  return `${lines.join('\n')}\n`
}

function row(l: ListenerConnection): string[] {
  const client = l.clientAddress === null ? 'local socket' : `${l.clientAddress}${l.clientPort === null ? '' : `:${l.clientPort}`}`
  const channels = l.channels === null ? '(not shown by its last statement)' : names(l.channels)
  return [String(l.pid), l.applicationName === '' ? '-' : l.applicationName, client, l.connectedAt, channels]
}

/** 0.0000019 → '0.00019%', 0.5 → '50%', 0 → '0%': three significant digits. */
function percent(fraction: number): string {
  return `${Number((fraction * 100).toPrecision(3))}%`
}

function names(channels: readonly string[]): string {
  return channels.map((c) => JSON.stringify(c)).join(', ')
}

/** Columns padded to their widest cell, the last one left as it is. */
function table(rows: readonly (readonly string[])[]): string[] {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => r[i]?.length ?? 0))) ?? []
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  '))
}
