import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

const source = (pkg: string, entry = 'index'): string => fileURLToPath(new URL(`./packages/${pkg}/src/${entry}.ts`, import.meta.url))

export default defineConfig({
  resolve: {
    // Tests run against the TypeScript sources: no build step before `pnpm test`.
    // The first matching entry wins: subpaths go before their package.
    alias: [
      { find: /^@liteorm\/testing\/vitest$/, replacement: source('testing', 'vitest') },
      { find: /^@liteorm\/core\/backend$/, replacement: source('core', 'backend') },
      { find: /^@liteorm\/(core|postgres|sqlite|testing)$/, replacement: source('$1') },
    ],
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
