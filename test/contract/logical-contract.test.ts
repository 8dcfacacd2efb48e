/**
 * The notify/listen and subscribe contract suites on PostgreSQL's logical
 * transport (`open({ notifications: 'logical' })`): the same tests as on
 * NOTIFY, where the two transports differ the tests branch on
 * `backend.transport` (see ./backends.ts).
 */
import { beforeAll, describe } from 'vitest'
import { logicalUnsupported } from '../../packages/postgres/test/logical-support.js'
import { logicalPostgres } from './backends.js'
import { notifyContract } from './notify-contract.js'
import { subscribeContract } from './subscribe-contract.js'

const skip = await logicalUnsupported()

describe.skipIf(skip !== undefined)(`postgres, notifications: 'logical'${skip === undefined ? '' : ` (skipped: ${skip})`}`, () => {
  beforeAll(() => logicalPostgres.prepare())
  notifyContract(logicalPostgres)
  subscribeContract(logicalPostgres)
})
