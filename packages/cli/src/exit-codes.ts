/**
 * The exit statuses of the `liteorm` command: `0` done, `1` a runtime
 * failure (a refused or lost connection, a database error), `2` bad usage
 * (unknown command or option, missing or unusable URL, an argument liteorm
 * refuses before sending anything), and `128 + n` when `tail` ends on
 * signal `n`, as a shell reports a process killed by it.
 *
 * ### Examples
 *
 * ```ts
 * process.exitCode = ExitCode.usage // 2
 * ```
 */
export const ExitCode = {
  /** Done; also `tail` whose reader went away (`liteorm tail ch | head -1`). */
  ok: 0,
  /** A runtime failure: the connection was refused or lost, the database said no. */
  failure: 1,
  /** Bad usage: the command line, the URL or an argument is wrong. Nothing was sent. */
  usage: 2,
  /** `tail` ended by SIGINT (Ctrl-C): 128 + 2. */
  interrupted: 130,
  /** `tail` ended by SIGTERM: 128 + 15. */
  terminated: 143,
} as const

/**
 * One of the {@link ExitCode} values.
 *
 * ### Examples
 *
 * ```ts
 * const code: ExitCode = ExitCode.ok
 * ```
 */
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode]
