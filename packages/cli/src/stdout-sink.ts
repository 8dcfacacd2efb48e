import { once } from 'node:events'
import { fstatSync } from 'node:fs'
import { Socket } from 'node:net'
import type { Writable } from 'node:stream'

/**
 * Standard output for a long-running command: lines written with
 * backpressure, and a `gone` signal aborted once nobody reads them any more
 * (`liteorm tail ch | head -1`), so the command can end quietly instead of
 * dying of EPIPE.
 *
 * When stdout is a socket (the stdio of a process spawned by Node, and of
 * many supervisors), the sink writes through a socket of its own on fd 1
 * that also reads from it: the reader's close is seen at once, with nothing
 * written. On a pipe or a file, a write-only descriptor, a vanished reader
 * is seen at the next write, as EPIPE.
 *
 * ### Examples
 *
 * ```ts
 * const out = new StdoutSink()
 * await out.write('{"channel":"jobs"}\n')
 * if (out.gone.aborted) return
 * await out.close()
 * ```
 */
export class StdoutSink {
  readonly #stream: Writable
  readonly #socket: Socket | undefined
  readonly #gone = new AbortController()

  constructor() {
    this.#socket = stdoutSocket()
    this.#stream = this.#socket ?? process.stdout
    const gone = (): void => this.#gone.abort()
    this.#stream.on('error', gone)
    if (this.#socket !== undefined) {
      this.#socket.on('end', gone)
      this.#socket.on('data', ignore) // nothing is expected from the reader; what comes is dropped
    }
  }

  /** Aborted once the reader has gone; later writes are dropped. */
  get gone(): AbortSignal {
    return this.#gone.signal
  }

  /** Writes `text`; resolves when more may be written (or the reader has gone). Never rejects. */
  async write(text: string): Promise<void> {
    if (this.#gone.signal.aborted || this.#stream.write(text)) return
    await once(this.#stream, 'drain', { signal: this.#gone.signal }).catch(ignore)
  }

  /** Flushes what is written and releases stdout's own socket, if one was made. Never rejects. */
  async close(): Promise<void> {
    const socket = this.#socket
    if (socket === undefined || socket.destroyed) return
    if (!this.#gone.signal.aborted) {
      const flushed = once(socket, 'finish', { signal: this.#gone.signal }).catch(ignore)
      socket.end()
      await flushed
    }
    socket.destroy()
  }
}

/** A readable and writable socket on fd 1 when stdout is a socket, else `undefined`. */
function stdoutSocket(): Socket | undefined {
  try {
    if (!fstatSync(1).isSocket()) return undefined
  } catch {
    return undefined
  }
  return new Socket({ fd: 1, readable: true, writable: true })
}

function ignore(): void {}
