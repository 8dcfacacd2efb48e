import { InvalidArgumentError, LiteormError } from '@liteorm/postgres'
import { ExitCode } from './exit-codes.js'
import { synopsis, type CommandName } from './help-text.js'
import type { Reporter } from './reporter.js'
import { UsageError } from './usage-error.js'

/**
 * Reports why a command failed on stderr, in one line (plus the usage for a
 * bad command line), and returns its exit status: 2 for a
 * {@link UsageError} or liteorm's `InvalidArgumentError` (nothing was sent),
 * 1 for anything else (a connection or database error). Never fails.
 *
 * ### Examples
 *
 * ```ts
 * return reportFailure(error, reporter, 'notify') // stderr: liteorm notify: channel must not be empty ...
 * ```
 */
export function reportFailure(error: unknown, reporter: Reporter, command: CommandName | undefined): ExitCode {
  if (error instanceof UsageError) {
    reporter.say(error.message)
    reporter.write(`${synopsis(command)}\nRun 'liteorm${command === undefined ? '' : ` ${command}`} --help' for more.\n`)
    return ExitCode.usage
  }
  if (error instanceof InvalidArgumentError) {
    reporter.say(error.message)
    return ExitCode.usage
  }
  if (error instanceof LiteormError) reporter.say(error.message)
  else if (error instanceof Error) reporter.say(`${error.name}: ${error.message}`)
  else reporter.say(String(error))
  return ExitCode.failure
}
