import type { Listener } from '@liteorm/postgres'
import type { CommandContext } from './command-context.js'
import { databaseTarget } from './database-target.js'
import { ExitCode } from './exit-codes.js'
import { helpText } from './help-text.js'
import { listenerReports } from './listener-reports.js'
import { openNotificationDatabase } from './notification-database.js'
import { notificationLine } from './notification-line.js'
import { parseCommandLine } from './parse-command-line.js'
import { print } from './print.js'
import { abortable, passwordOf } from '@liteorm/core/backend'
import { resolveUrl } from './resolve-url.js'
import { ShutdownSignals } from './shutdown-signals.js'
import { StdoutSink } from './stdout-sink.js'
import { UsageError } from './usage-error.js'

/**
 * `liteorm tail [--url URL] [--json-payload] [--large-payloads] CHANNEL...`:
 * listens to the channels and prints one JSON line per notification to
 * stdout (see {@link notificationLine}; with `--large-payloads`, stored large
 * payloads whole), reporting on stderr when it listens, loses the
 * connection and listens again. Resolves with 130 after SIGINT, 143 after
 * SIGTERM, and 0 once stdout's reader has gone, having closed the listener
 * and the DB. Throws `UsageError` for a bad command line or URL, and
 * liteorm's `ConnectionError` when the first connection fails.
 *
 * ### Examples
 *
 * ```ts
 * process.exitCode = await tailCommand(['--json-payload', 'jobs'], { env: process.env, reporter })
 * ```
 */
export async function tailCommand(args: readonly string[], { env, reporter }: CommandContext): Promise<ExitCode> {
  const { values, positionals: channels } = parseCommandLine(args, {
    url: { type: 'string' },
    'json-payload': { type: 'boolean' },
    'large-payloads': { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  })
  if (values.help === true) {
    await print(helpText('tail'))
    return ExitCode.ok
  }
  if (channels.length === 0) throw new UsageError('name at least one CHANNEL to listen to')
  const url = resolveUrl(values.url, env)
  reporter.keepSecret(passwordOf(url.url))
  const db = openNotificationDatabase(databaseTarget(url), values['large-payloads'] === true)
  const shutdown = new ShutdownSignals()
  const out = new StdoutSink()
  const ended = AbortSignal.any([shutdown.signal, out.gone])
  // A listener never holds its process open by itself (its backoff and health
  // check timers are unref'd): waiting to reconnect, tail would just exit.
  const keepAlive = setInterval(() => undefined, 2 ** 30)
  try {
    const listener = await unlessAborted(db.listen(channels, listenerReports(reporter)), ended)
    if (listener === undefined) return shutdown.exitCode ?? ExitCode.ok
    try {
      const jsonPayload = values['json-payload'] === true
      for (;;) {
        const notification = await listener.receive(ended).catch((error: unknown) => {
          if (ended.aborted) return undefined
          throw error
        })
        if (notification === undefined) break
        const { line, notJson } = notificationLine(notification, new Date(), jsonPayload)
        if (notJson) reporter.say(`the payload on ${JSON.stringify(notification.channel)} from pid ${notification.pid} is not JSON; printed as a string`)
        await out.write(line)
      }
    } finally {
      await listener.close()
    }
  } finally {
    await db.close()
    clearInterval(keepAlive)
    shutdown.dispose()
    await out.close()
  }
  return shutdown.exitCode ?? ExitCode.ok
}

/** `promise`'s value, or `undefined` if `signal` aborts first (a later rejection of `promise` is then ignored). */
function unlessAborted(promise: Promise<Listener>, signal: AbortSignal): Promise<Listener | undefined> {
  return abortable(promise, signal).catch((error: unknown) => {
    if (signal.aborted) return undefined
    throw error
  })
}
