import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

const source = (pkg: string, entry = 'index'): string => fileURLToPath(new URL(`./packages/${pkg}/src/${entry}.ts`, import.meta.url))

export default defineConfig({
  resolve: {
    // Tests run against the TypeScript sources: no build step before `pnpm test`.
    // The first matching entry wins: the subpath goes before its package.
    alias: {
      '@liteorm/core/backend': source('core', 'backend'),
      '@liteorm/core': source('core'),
      '@liteorm/postgres': source('postgres'),
      '@liteorm/sqlite': source('sqlite'),
    },
  },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // The slow-consumer test measures live heap, after a forced collection.
    execArgv: ['--expose-gc'],
  },
})
