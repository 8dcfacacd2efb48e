import { readFileSync } from 'node:fs'

/**
 * The version of this package, from its `package.json`. Throws if that file
 * cannot be read (a broken installation).
 *
 * ### Examples
 *
 * ```ts
 * cliVersion() // '0.1.0'
 * ```
 */
export function cliVersion(): string {
  const manifest: unknown = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
  const version = typeof manifest === 'object' && manifest !== null && 'version' in manifest ? manifest.version : undefined
  if (typeof version !== 'string') throw new Error("this package's package.json has no version")
  return version
}
