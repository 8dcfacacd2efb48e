import type { CommandContext } from './command-context.js'
import { databaseTarget } from './database-target.js'
import { ExitCode } from './exit-codes.js'
import { helpText } from './help-text.js'
import { openNotificationDatabase } from './notification-database.js'
import { parseCommandLine } from './parse-command-line.js'
import { print } from './print.js'
import { readStdin } from './read-stdin.js'
import { passwordOf } from '@liteorm/core/backend'
import { resolveUrl } from './resolve-url.js'
import { UsageError } from './usage-error.js'

/**
 * `liteorm notify [--url URL] [--large-payloads] CHANNEL [PAYLOAD | -]`: sends one
 * notification with liteorm's `notify` (empty payload when PAYLOAD is left
 * out; all of stdin less one trailing newline for `-`) and resolves with 0
 * once it is committed. Prints nothing. Throws `UsageError` for a bad
 * command line or URL, liteorm's `InvalidArgumentError` for a channel or
 * payload it refuses (empty channel, payload of 8000 bytes or more without
 * `--large-payloads`), its `LiteormError` naming the migration when
 * `--large-payloads` finds no table, and
 * its `ConnectionError` when the database cannot be reached.
 *
 * ### Examples
 *
 * ```ts
 * process.exitCode = await notifyCommand(['jobs', '{"id":1}'], { env: process.env, reporter })
 * ```
 */
export async function notifyCommand(args: readonly string[], { env, reporter }: CommandContext): Promise<ExitCode> {
  const { values, positionals } = parseCommandLine(args, {
    url: { type: 'string' },
    'large-payloads': { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  })
  if (values.help === true) {
    await print(helpText('notify'))
    return ExitCode.ok
  }
  const [channel, payload = '', ...extra] = positionals
  if (channel === undefined) throw new UsageError('name the CHANNEL to notify')
  if (extra.length > 0) throw new UsageError(`notify takes CHANNEL and one PAYLOAD, got ${positionals.length} arguments (quote a payload with spaces)`)
  const url = resolveUrl(values.url, env)
  reporter.keepSecret(passwordOf(url.url))
  const target = databaseTarget(url)
  const text = payload === '-' ? await readStdin() : payload
  const db = openNotificationDatabase(target, values['large-payloads'] === true)
  try {
    await db.notify(channel, text)
  } finally {
    await db.close()
  }
  return ExitCode.ok
}
