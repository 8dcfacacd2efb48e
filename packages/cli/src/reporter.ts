import { redact } from './redact.js'

/**
 * Writes the command's messages to stderr, one line each, prefixed with the
 * program and command (`liteorm tail: connection lost ...`), with every
 * password it has been told of, and any URL's password, replaced by `***`
 * in the message. Never fails.
 *
 * ### Examples
 *
 * ```ts
 * const reporter = new Reporter('liteorm tail')
 * reporter.keepSecret(passwordOf(url))
 * reporter.say('connection lost; reconnecting')
 * ```
 */
export class Reporter {
  readonly #secrets = new Set<string>()
  #prefix: string

  constructor(prefix: string) {
    this.#prefix = prefix
  }

  /** Names the command whose messages follow: `reporter.rename('liteorm notify')`. */
  rename(prefix: string): void {
    this.#prefix = prefix
  }

  /** Makes sure `secret` never appears in a later message. `undefined` is ignored. */
  keepSecret(secret: string | undefined): void {
    if (secret !== undefined && secret !== '') this.#secrets.add(secret)
  }

  /** Writes `message` as one line, passwords removed: line breaks inside it become spaces. */
  say(message: string): void {
    const line = redact(message, this.#secrets).replace(/\s*[\r\n]+\s*/g, ' ').trim()
    process.stderr.write(`${this.#prefix}: ${line}\n`)
  }

  /** Writes the program's own `text` (usage) as it is. */
  write(text: string): void {
    process.stderr.write(text)
  }
}
