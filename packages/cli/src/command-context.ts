import type { Reporter } from './reporter.js'

/**
 * What every command is run with: the environment to read URLs from, and
 * where its messages go.
 *
 * ### Examples
 *
 * ```ts
 * const code = await notifyCommand(['jobs', 'hello'], { env: process.env, reporter: new Reporter('liteorm notify') })
 * ```
 */
export interface CommandContext {
  readonly env: Readonly<Record<string, string | undefined>>
  readonly reporter: Reporter
}
