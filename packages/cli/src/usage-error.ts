/**
 * A command line the `liteorm` command cannot run: an unknown command or
 * option, a missing argument, no usable database URL. It ends the program
 * with exit status 2 and the command's usage on stderr. Its message never
 * contains a URL.
 *
 * ### Examples
 *
 * ```ts
 * if (channels.length === 0) throw new UsageError('name at least one CHANNEL to listen to')
 * ```
 */
export class UsageError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'UsageError'
  }
}
