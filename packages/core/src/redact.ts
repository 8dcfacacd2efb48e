/**
 * Replaces each of `secrets` in `text`, as written and percent-encoded,
 * with `***`; `undefined` and empty secrets are skipped. Never fails.
 *
 * ### Examples
 *
 * ```ts
 * redact('auth failed for s3cret', ['s3cret']) // 'auth failed for ***'
 * ```
 */
export function redact(text: string, secrets: Iterable<string | undefined>): string {
  let out = text
  for (const secret of secrets) {
    if (secret === undefined || secret === '') continue
    out = out.split(secret).join('***').split(encodeURIComponent(secret)).join('***')
  }
  return out
}

/**
 * The password of a `scheme://user:password@host…` URL, decoded, or
 * `undefined` when it has none (or the text is not such a URL); reads
 * malformed URLs too, so that their passwords can still be scrubbed. Never
 * fails.
 *
 * ### Examples
 *
 * ```ts
 * passwordOf('postgres://app:s%40cret@db/app') // 's@cret'
 * passwordOf('sqlite:app.db')                  // undefined
 * ```
 */
export function passwordOf(url: string): string | undefined {
  let password: string
  try {
    password = new URL(url).password
  } catch {
    password = /^[a-z][a-z0-9+.-]*:\/\/[^\s:/?#@]*:([^\s@]*)@/i.exec(url)?.[1] ?? ''
  }
  if (password === '') return undefined
  try {
    return decodeURIComponent(password)
  } catch {
    return password
  }
}
