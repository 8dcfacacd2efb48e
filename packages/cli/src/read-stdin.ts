/**
 * Reads all of stdin as UTF-8 and removes one trailing newline (`\n` or
 * `\r\n`), the one `echo` and most editors add: `echo hi | liteorm notify
 * ch -` sends `hi`. Rejects if stdin cannot be read.
 *
 * ### Examples
 *
 * ```ts
 * const payload = await readStdin() // printf 'a\n\n' → 'a\n'
 * ```
 */
export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer))
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '')
}
