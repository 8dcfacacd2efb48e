import { redact as redactSecrets } from '@liteorm/core/backend'

/** `scheme://user:password@`: the password part of any URL in a text. */
const URL_PASSWORD = /([a-z][a-z0-9+.-]*:\/\/[^\s:/?#@]*):[^\s@]*@/gi

/**
 * Removes passwords from `text` before it is shown: each of `secrets` (as
 * core's `redact` does, written and percent-encoded), and the password of
 * any `scheme://user:password@host` URL in it, become `***`. Never fails.
 *
 * ### Examples
 *
 * ```ts
 * redact('cannot reach postgres://app:s3cret@db/app', []) // 'cannot reach postgres://app:***@db/app'
 * redact('auth failed for s3cret', ['s3cret'])           // 'auth failed for ***'
 * ```
 */
export function redact(text: string, secrets: Iterable<string>): string {
  return redactSecrets(text.replace(URL_PASSWORD, '$1:***@'), secrets)
}
