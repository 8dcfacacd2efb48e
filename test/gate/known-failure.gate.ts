import { expect, it } from 'vitest'
import { serverUrl } from '@liteorm/testing/vitest'

// Fails on purpose. `.ci/run` runs this file through the suite's own global
// setup (the shared PostgreSQL server included) and requires a non-zero exit:
// proof that nothing loaded into the runner can turn a failure into success.
it('fails on purpose, so the gate can prove a failure fails the run', () => {
  expect(serverUrl()).toMatch(/^postgres/)
  expect('this test').toBe('failing the run')
})
