import { execFile } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { useDatabase } from '@liteorm/testing/vitest'
import { beforeAll, describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('..', import.meta.url))
const tsxCli = createRequire(import.meta.url).resolve('tsx/cli')

/** Files in examples/ that other examples import, not programs of their own. */
const HELPERS = new Set(['listener-tour.ts'])
const EXAMPLE_TIMEOUT_MS = 120_000

const files = readdirSync(join(root, 'examples'))
  .filter((file) => file.endsWith('.ts'))
  .sort()
/** Every program in examples/: a new file is run here without being listed. */
const examples = files.filter((file) => !HELPERS.has(file))

let databaseUrl: string
beforeAll(async () => {
  databaseUrl = await useDatabase('examples')
})

interface Run {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

/** Runs one example as its README says (`pnpm example` is tsx with tsconfig.source.json), on this file's database. */
function runExample(file: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [tsxCli, '--tsconfig', 'tsconfig.source.json', join('examples', file)],
      { cwd: root, env: { ...process.env, DATABASE_URL: databaseUrl }, timeout: EXAMPLE_TIMEOUT_MS - 10_000, maxBuffer: 16 * 1024 * 1024 },
      (_error, stdout, stderr) => resolve({ code: child.exitCode, signal: child.signalCode, stdout, stderr }),
    )
  })
}

describe('examples/', () => {
  it('holds the four examples of the pattern catalogue besides the demos', () => {
    expect(examples).toEqual(expect.arrayContaining(['outbox.ts', 'job-worker.ts', 'typed-channels.ts', 'sqlite-processes.ts', 'demo.ts', 'sqlite-demo.ts']))
  })

  it.each(files)('%s imports only public packages and Node built-ins', (file) => {
    const source = readFileSync(join(root, 'examples', file), 'utf8')
    const specifiers = [...source.matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+['"]([^'"]+)['"]/gm)].map((m) => m[1]!)
    const allowed = /^(node:.+|@liteorm\/(core|postgres|sqlite|testing)|kysely|pg|\.\/[a-z-]+\.js)$/
    expect(specifiers.filter((s) => !allowed.test(s))).toEqual([])
    for (const local of specifiers.filter((s) => s.startsWith('./'))) expect(HELPERS).toContain(local.slice(2).replace(/\.js$/, '.ts'))
  })

  it.each(examples)('%s is listed in examples/README.md with the one command that runs it', (file) => {
    expect(readFileSync(join(root, 'examples', 'README.md'), 'utf8')).toContain(`pnpm example examples/${file}`)
  })

  it.each(examples)(
    '%s runs on its own to the end: exit code 0, last line "Done."',
    async (file) => {
      const run = await runExample(file)
      const report = `${file} (exit ${run.code}${run.signal ? `, ${run.signal}` : ''})\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`
      expect(run.code, report).toBe(0)
      expect(run.stdout.trimEnd().split('\n').at(-1), report).toMatch(/Done\.$/)
    },
    EXAMPLE_TIMEOUT_MS,
  )
})
