import { ExitCode } from './exit-codes.js'

const EXIT_CODES = { SIGINT: ExitCode.interrupted, SIGTERM: ExitCode.terminated } as const

/**
 * Turns SIGINT and SIGTERM into a clean shutdown while it is installed: the
 * first one aborts `signal` and sets `exitCode` (130 or 143), so the command
 * can close its listener and DB; a second one, while that takes its time,
 * exits at once with the same code.
 *
 * ### Examples
 *
 * ```ts
 * const shutdown = new ShutdownSignals()
 * try {
 *   await listener.receive(shutdown.signal)
 * } finally {
 *   shutdown.dispose()
 * }
 * ```
 */
export class ShutdownSignals {
  readonly #controller = new AbortController()
  #exitCode: ExitCode | undefined
  readonly #handlers = new Map<keyof typeof EXIT_CODES, () => void>()

  constructor() {
    for (const name of ['SIGINT', 'SIGTERM'] as const) {
      const handler = (): void => {
        if (this.#exitCode !== undefined) process.exit(this.#exitCode)
        this.#exitCode = EXIT_CODES[name]
        this.#controller.abort(new Error(`received ${name}`))
      }
      this.#handlers.set(name, handler)
      process.on(name, handler)
    }
  }

  /** Aborted by the first SIGINT or SIGTERM. */
  get signal(): AbortSignal {
    return this.#controller.signal
  }

  /** 130 after SIGINT, 143 after SIGTERM, `undefined` before either. */
  get exitCode(): ExitCode | undefined {
    return this.#exitCode
  }

  /** Gives SIGINT and SIGTERM back their default behaviour. */
  dispose(): void {
    for (const [name, handler] of this.#handlers) process.off(name, handler)
    this.#handlers.clear()
  }
}
