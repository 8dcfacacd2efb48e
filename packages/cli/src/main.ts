import type { CommandContext } from './command-context.js'
import { ExitCode } from './exit-codes.js'
import { helpText, type CommandName } from './help-text.js'
import { notifyCommand } from './notify-command.js'
import { print } from './print.js'
import { reportFailure } from './report-failure.js'
import { Reporter } from './reporter.js'
import { statusCommand } from './status-command.js'
import { tailCommand } from './tail-command.js'
import { UsageError } from './usage-error.js'
import { cliVersion } from './version.js'

const COMMANDS: Readonly<Record<CommandName, (args: readonly string[], context: CommandContext) => Promise<ExitCode>>> = {
  tail: tailCommand,
  notify: notifyCommand,
  status: statusCommand,
}

/**
 * Runs the `liteorm` program on `args` (the command line after the program
 * name) and resolves with its exit status: see {@link ExitCode}. Output
 * goes to stdout, messages to stderr (never a password); URLs are read from
 * `env`. Never rejects.
 *
 * ### Examples
 *
 * ```ts
 * process.exitCode = await main(['notify', 'jobs', '{"id":1}'])
 * await main(['status', '--json'], { DATABASE_URL: 'postgres://app:secret@localhost/app' })
 * ```
 */
export async function main(args: readonly string[], env: Readonly<Record<string, string | undefined>> = process.env): Promise<ExitCode> {
  const reporter = new Reporter('liteorm')
  const [first, ...rest] = args
  let command: CommandName | undefined
  try {
    if (first === undefined) throw new UsageError('name a command')
    if (first === '-h' || first === '--help' || first === 'help') {
      await print(helpText(first === 'help' ? helpTopic(rest[0]) : undefined))
      return ExitCode.ok
    }
    if (first === '-v' || first === '--version') {
      await print(`${cliVersion()}\n`)
      return ExitCode.ok
    }
    if (first.startsWith('-')) throw new UsageError(`unknown option '${first.split('=')[0]}'`)
    if (!isCommand(first)) throw new UsageError(`unknown command ${JSON.stringify(first)}`)
    command = first
    reporter.rename(`liteorm ${command}`)
    return await COMMANDS[command](rest, { env, reporter })
  } catch (error) {
    return reportFailure(error, reporter, command)
  }
}

function isCommand(name: string): name is CommandName {
  return Object.hasOwn(COMMANDS, name)
}

/** `liteorm help [COMMAND]`: the command named, if any. */
function helpTopic(name: string | undefined): CommandName | undefined {
  if (name === undefined) return undefined
  if (!isCommand(name)) throw new UsageError(`unknown command ${JSON.stringify(name)}`)
  return name
}
