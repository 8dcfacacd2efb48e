/** `scheme://user:password@`: the password part of any URL in a text. */
const URL_PASSWORD = /([a-z][a-z0-9+.-]*:\/\/[^\s:/?#@]*):[^\s@]*@/gi

/**
 * Removes passwords from `text` before it is shown: each of `secrets`
 * (as written and percent-encoded), and the password of any
 * `scheme://user:password@host` URL in it, become `***`. Never fails.
 *
 * ### Examples
 *
 * ```ts
 * redact('cannot reach postgres://app:s3cret@db/app', []) // 'cannot reach postgres://app:***@db/app'
 * redact('auth failed for s3cret', ['s3cret'])           // 'auth failed for ***'
 * ```
 */
export function redact(text: string, secrets: Iterable<string>): string {
  let out = text.replace(URL_PASSWORD, '$1:***@')
  for (const secret of secrets) {
    if (secret === '') continue
    out = out.split(secret).join('***').split(encodeURIComponent(secret)).join('***')
  }
  return out
}

/**
 * The password in a `scheme://user:password@host` URL, decoded, or
 * `undefined` when it has none (or is not such a URL). Never fails.
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
