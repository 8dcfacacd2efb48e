/**
 * The commands of the `liteorm` program.
 *
 * ### Examples
 *
 * ```ts
 * const command: CommandName = 'tail'
 * ```
 */
export type CommandName = 'tail' | 'notify' | 'status'

const URL_HELP = `  --url URL        the database: postgres://user:password@host:5432/db,
                   sqlite:path/to/file.db or sqlite:///absolute/path.db
                   (default: $LITEORM_LISTEN_URL, else $DATABASE_URL)`

const LARGE_HELP = `  --large-payloads PostgreSQL: payloads of 8000 bytes or more go through the
                   table liteorm.large_payloads (largePayloads: 'table';
                   the migration must have run: installLargePayloads)`

const SYNOPSES: Readonly<Record<CommandName, string>> = {
  tail: 'liteorm tail [--url URL] [--json-payload] [--large-payloads] CHANNEL...',
  notify: 'liteorm notify [--url URL] [--large-payloads] CHANNEL [PAYLOAD | -]',
  status: 'liteorm status [--url URL] [--json]',
}

const DETAILS: Readonly<Record<CommandName, string>> = {
  tail: `Prints one JSON line per notification on the CHANNELs to stdout:
  {"ts":"<ISO time of receipt>","channel":"...","payload":"...","pid":1234}
Reconnects on connection loss and says so on stderr. Ends on Ctrl-C
(exit 130), SIGTERM (exit 143), or when stdout's reader goes away (exit 0).

Options:
${URL_HELP}
  --json-payload   print each payload parsed as JSON; one that is not JSON
                   is printed as a string and reported on stderr
${LARGE_HELP}
  -h, --help       show this help`,
  notify: `Sends PAYLOAD (empty if left out) on CHANNEL. With PAYLOAD "-", the payload
is all of stdin, less one trailing newline. Put "--" before a CHANNEL or
PAYLOAD that starts with "-".

Options:
${URL_HELP}
${LARGE_HELP}
  -h, --help       show this help`,
  status: `Prints the PostgreSQL server's version, how full its notification queue is
(pg_notification_queue_usage()), and the listener connections in the URL's
database: backends idle after LISTEN (or after a check of their LISTEN set),
with pid, application_name, client address, connection time and channels.

Options:
${URL_HELP}
  --json           print one JSON document instead of text
  -h, --help       show this help`,
}

/**
 * The one-line usage of `command`, or of the whole program.
 *
 * ### Examples
 *
 * ```ts
 * synopsis('notify') // 'Usage: liteorm notify [--url URL] CHANNEL [PAYLOAD | -]'
 * ```
 */
export function synopsis(command?: CommandName): string {
  if (command !== undefined) return `Usage: ${SYNOPSES[command]}`
  return ['Usage: liteorm <command> [options]', ...Object.values(SYNOPSES).map((s) => `       ${s}`)].join('\n')
}

/**
 * The full `--help` text of `command`, or of the whole program.
 *
 * ### Examples
 *
 * ```ts
 * process.stdout.write(helpText('tail'))
 * ```
 */
export function helpText(command?: CommandName): string {
  if (command !== undefined) return `${synopsis(command)}\n\n${DETAILS[command]}\n`
  return `${synopsis()}

LISTEN/NOTIFY from the shell, on PostgreSQL or an SQLite file.

Commands:
  tail     print notifications as JSON lines
  notify   send a notification
  status   show the notification queue and the listener connections (PostgreSQL)

Options:
  -h, --help       show this help ('liteorm <command> --help' for a command's)
  -v, --version    print the version

Exit status: 0 done, 1 runtime failure (connection, database), 2 bad usage,
130/143 when tail ends on SIGINT/SIGTERM.
`
}
