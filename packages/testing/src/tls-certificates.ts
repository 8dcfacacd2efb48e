import { execFileSync } from 'node:child_process'
import { chownSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { SystemUser } from './system-user.js'

/** A server certificate for `localhost`/`127.0.0.1`, its key, and the CA that signed it. */
interface TestCertificates {
  /** The CA's certificate (PEM), for clients to verify the server with. */
  readonly ca: string
  /** Server settings that turn TLS on with these files. */
  readonly settings: Readonly<Record<string, string>>
}

/**
 * Makes a throwaway CA and a server certificate it signs (for `localhost`
 * and `127.0.0.1`, valid two days) in `dir` with the `openssl` command, the
 * key readable by the server's user only. Throws when `openssl` is missing
 * or fails.
 *
 * ### Examples
 *
 * ```ts
 * const { ca, settings } = makeCertificates(dir, owner)
 * ```
 */
export function makeCertificates(dir: string, owner: SystemUser | undefined): TestCertificates {
  const file = (name: string): string => join(dir, name)
  const openssl = (...args: string[]): void => void execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] })
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=liteorm test CA', '-keyout', file('ca.key'), '-out', file('ca.crt'))
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-keyout', file('server.key'), '-out', file('server.csr'))
  writeFileSync(file('server.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n')
  openssl('x509', '-req', '-in', file('server.csr'), '-CA', file('ca.crt'), '-CAkey', file('ca.key'), '-CAcreateserial', '-days', '2', '-extfile', file('server.ext'), '-out', file('server.crt'))
  if (owner !== undefined) for (const name of ['server.key', 'server.crt']) chownSync(file(name), owner.uid, owner.gid)
  return {
    ca: readFileSync(file('ca.crt'), 'utf8'),
    settings: { ssl: 'on', ssl_cert_file: file('server.crt'), ssl_key_file: file('server.key') },
  }
}
