// One PostgreSQL server for the whole run, from the public @liteorm/testing package.
export { setupPostgres as default } from '@liteorm/testing/vitest'
