import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

/** The repository root. */
export const root = fileURLToPath(new URL('../../../', import.meta.url))

/** The built bin, as `npm i -g liteorm` would run it. */
export const bin = fileURLToPath(new URL('../dist/bin.js', import.meta.url))

/**
 * An environment with nothing of the test process's database settings:
 * `PATH` and `HOME`, plus `env`.
 */
export function cleanEnv(env: Record<string, string> = {}): Record<string, string> {
  const base: Record<string, string> = {}
  for (const name of ['PATH', 'HOME', 'TMPDIR']) {
    const value = process.env[name]
    if (value !== undefined) base[name] = value
  }
  return { ...base, ...env }
}

/** What a finished run printed, and its exit status (or the signal that killed it). */
interface RunResult {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
}

/** Runs the bin with `args` to its end; `input` is written to its stdin. */
export async function runCli(args: readonly string[], options: { env?: Record<string, string>; input?: string; cwd?: string } = {}): Promise<RunResult> {
  const child = spawn(process.execPath, [bin, ...args], { env: cleanEnv(options.env), cwd: options.cwd ?? root, stdio: 'pipe' })
  child.stdin.end(options.input)
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('close', (c, s) => resolve([c, s])))
  return { code, signal, stdout, stderr }
}

/** A running bin: its stdout read line by line, its stderr collected. */
export interface RunningCli {
  readonly child: ChildProcessWithoutNullStreams
  /** Resolves with the next stdout line not yet taken; rejects after `timeoutMs` or if stdout ends first. */
  nextLine(timeoutMs?: number): Promise<string>
  /** Everything written to stderr so far. */
  stderr(): string
  /** Resolves once stderr matches `pattern`; rejects after `timeoutMs`, saying what stderr held. */
  waitForStderr(pattern: RegExp, timeoutMs?: number): Promise<void>
  /** Resolves when the process has ended. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

/** Processes started by {@link startCli} that have not ended yet. */
const running = new Set<RunningCli>()

/** Kills whatever {@link startCli} started and is still running (a test that failed half-way), and waits for it. */
export async function stopAll(): Promise<void> {
  const left = [...running]
  for (const cli of left) cli.child.kill('SIGKILL')
  await Promise.all(left.map((cli) => cli.exited))
}

/** Starts the bin with `args`, without waiting for it. */
export function startCli(args: readonly string[], options: { env?: Record<string, string>; cwd?: string } = {}): RunningCli {
  const child = spawn(process.execPath, [bin, ...args], { env: cleanEnv(options.env), cwd: options.cwd ?? root, stdio: 'pipe' })
  let stderr = ''
  const lines: string[] = []
  let stdoutEnded = false
  const waiters = new Set<() => void>()
  const wakeAll = (): void => waiters.forEach((wake) => wake())
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk
    wakeAll()
  })
  createInterface({ input: child.stdout })
    .on('line', (line) => {
      lines.push(line)
      wakeAll()
    })
    .on('close', () => {
      stdoutEnded = true
      wakeAll()
    })
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal }))
  })
  /** Resolves with `check()`'s first value other than `undefined`, checked on every output. */
  const until = <T>(check: () => T | undefined, timeoutMs: number, what: string): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const wake = (): void => {
        try {
          const value = check()
          if (value === undefined) return
          done()
          resolve(value)
        } catch (error) {
          done()
          reject(error instanceof Error ? error : new Error(String(error)))
        }
      }
      const timer = setTimeout(() => {
        done()
        reject(new Error(`${what} within ${timeoutMs} ms; stderr: ${stderr}`))
      }, timeoutMs)
      const done = (): void => {
        clearTimeout(timer)
        waiters.delete(wake)
      }
      waiters.add(wake)
      wake()
    })
  const cli: RunningCli = {
    child,
    exited,
    stderr: () => stderr,
    nextLine: (timeoutMs = 10_000) =>
      until(
        () => {
          const line = lines.shift()
          if (line === undefined && stdoutEnded) throw new Error(`stdout ended before another line; stderr: ${stderr}`)
          return line
        },
        timeoutMs,
        'no stdout line',
      ),
    waitForStderr: (pattern, timeoutMs = 10_000) => until(() => (pattern.test(stderr) ? true : undefined), timeoutMs, `stderr did not match ${pattern}`).then(() => undefined),
  }
  running.add(cli)
  void exited.then(() => running.delete(cli))
  return cli
}
