/**
 * Writes `text` to stdout and resolves once it is handed to the system. A
 * reader that has gone (`liteorm --help | head -1`) is not an error: the
 * text is dropped. Never rejects.
 *
 * ### Examples
 *
 * ```ts
 * await print(helpText('tail'))
 * ```
 */
export function print(text: string): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      process.stdout.off('error', done)
      resolve()
    }
    process.stdout.on('error', done)
    process.stdout.write(text, done)
  })
}
