import type { CommandContext } from './command-context.js'
import { databaseTarget } from './database-target.js'
import { ExitCode } from './exit-codes.js'
import { helpText } from './help-text.js'
import { parseCommandLine } from './parse-command-line.js'
import { openPostgres } from './postgres-database.js'
import { print } from './print.js'
import { passwordOf } from '@liteorm/core/backend'
import { resolveUrl } from './resolve-url.js'
import { serverStatus } from './server-status.js'
import { statusText } from './status-text.js'
import { UsageError } from './usage-error.js'

/**
 * `liteorm status [--url URL] [--json]`: prints the PostgreSQL server's
 * version, its notification queue usage and the listener connections of the
 * URL's database (see {@link serverStatus}), as text or, with `--json`, as
 * one JSON document; resolves with 0. Throws `UsageError` for a bad command
 * line, a bad URL or an SQLite URL (there is no server to ask), and
 * liteorm's `ConnectionError` when the server cannot be reached.
 *
 * ### Examples
 *
 * ```ts
 * process.exitCode = await statusCommand(['--json'], { env: process.env, reporter })
 * ```
 */
export async function statusCommand(args: readonly string[], { env, reporter }: CommandContext): Promise<ExitCode> {
  const { values, positionals } = parseCommandLine(args, {
    url: { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  })
  if (values.help === true) {
    await print(helpText('status'))
    return ExitCode.ok
  }
  if (positionals.length > 0) throw new UsageError(`status takes no arguments, got ${positionals.length} (the URL goes after --url)`)
  const url = resolveUrl(values.url, env)
  reporter.keepSecret(passwordOf(url.url))
  const target = databaseTarget(url)
  if (target.dialect !== 'postgres') {
    throw new UsageError(`status reports on a PostgreSQL server; ${url.source} names an SQLite file, which has no notification queue or listener connections to show`)
  }
  const db = openPostgres(target.url)
  try {
    const status = await serverStatus(db)
    await print(values.json === true ? `${JSON.stringify(status, null, 2)}\n` : statusText(status))
  } finally {
    await db.close()
  }
  return ExitCode.ok
}
