import { parseArgs, type ParseArgsConfig } from 'node:util'
import { UsageError } from './usage-error.js'

/**
 * The options a command accepts, as `util.parseArgs` describes them.
 *
 * ### Examples
 *
 * ```ts
 * const options = { url: { type: 'string' }, help: { type: 'boolean', short: 'h' } } satisfies CommandOptions
 * ```
 */
type CommandOptions = NonNullable<ParseArgsConfig['options']>

/**
 * What {@link parseCommandLine} gives for `options`: `values` typed by
 * them, and `positionals`.
 *
 * ### Examples
 *
 * ```ts
 * const { values, positionals }: ParsedCommandLine<{ json: { type: 'boolean' } }> = parseCommandLine(args, { json: { type: 'boolean' } })
 * ```
 */
type ParsedCommandLine<O extends CommandOptions> = ReturnType<
  typeof parseArgs<{ args: string[]; options: O; strict: true; allowPositionals: true }>
>

/**
 * Node's `util.parseArgs` in strict mode with positionals allowed, its
 * errors turned into {@link UsageError}s whose message is the first sentence
 * of Node's (`Unknown option '--foo'`). Option values never appear in
 * them.
 *
 * ### Examples
 *
 * ```ts
 * const { values, positionals } = parseCommandLine(args, { url: { type: 'string' }, help: { type: 'boolean', short: 'h' } })
 * ```
 */
export function parseCommandLine<O extends CommandOptions>(args: readonly string[], options: O): ParsedCommandLine<O> {
  try {
    return parseArgs({ args: [...args], options, strict: true, allowPositionals: true })
  } catch (error) {
    if (error instanceof TypeError && 'code' in error && typeof error.code === 'string' && error.code.startsWith('ERR_PARSE_ARGS_')) {
      throw new UsageError(error.message.split(/\.(?:\s|$)/)[0] ?? error.message)
    }
    throw error
  }
}
