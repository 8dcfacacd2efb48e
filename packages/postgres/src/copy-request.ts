import type { CopyTarget, RowBatch } from '@liteorm/core/backend'
import type { PostgresQueryResult } from 'kysely'
import type pg from 'pg'
import { from as copyStream, type CopyStreamQuery } from 'pg-copy-streams'
import { encodeRows } from './copy-text-encoder.js'

/**
 * One `COPY "t" ("a", "b") FROM STDIN` load, run on whichever pg client the
 * session's Kysely hands it (see `copyCapablePool`): the rows, encoded a
 * batch at a time, are written to a `pg-copy-streams` stream with
 * backpressure, so memory stays bounded whatever the source's size.
 *
 * It ends in one of three ways, and the client is ready for its next query
 * in all of them:
 *
 * - the rows are loaded: {@link run} resolves and {@link rowCount} says how many;
 * - the server rejects the COPY (a constraint, a bad value): {@link run}
 *   rejects with node-postgres's error, which the session's error mapper maps;
 * - the load is cancelled from this side (the signal aborted, a row could
 *   not be encoded, the source threw): the stream is destroyed, which sends
 *   CopyFail, the server rolls the statement back, and {@link run} rejects
 *   once it has answered; {@link failure} holds why.
 *
 * ### Examples
 *
 * ```ts
 * const request = new CopyRequest(target, rowBatches('copyFrom', rows, target.columns), 'copyFrom', signal)
 * await session.kysely.executeQuery(CompiledQuery.raw(request.sql, [request]))
 * request.rowCount // 100000
 * ```
 */
export class CopyRequest {
  /** The COPY statement. */
  readonly sql: string
  readonly #target: CopyTarget
  readonly #batches: AsyncGenerator<RowBatch, void, undefined>
  readonly #operation: string
  readonly #signal: AbortSignal | undefined
  #rowCount = 0
  #failure: { readonly reason: unknown } | undefined

  constructor(target: CopyTarget, batches: AsyncGenerator<RowBatch, void, undefined>, operation: string, signal: AbortSignal | undefined) {
    this.sql = `copy ${target.table} (${target.columnList}) from stdin`
    this.#target = target
    this.#batches = batches
    this.#operation = operation
    this.#signal = signal
  }

  /** Rows the server loaded, once {@link run} resolved. */
  get rowCount(): number {
    return this.#rowCount
  }

  /** Why this side cancelled the load (the signal's reason, the source's or the encoder's error), if it did. */
  get failure(): { readonly reason: unknown } | undefined {
    return this.#failure
  }

  /** Runs the COPY on `client`, which the caller holds for its whole duration. */
  run(client: pg.ClientBase): Promise<PostgresQueryResult<never>> {
    // Aborted while the session waited for a connection: send nothing.
    if (this.#signal?.aborted) {
      this.#failure = { reason: this.#signal.reason }
      return Promise.reject(this.#signal.reason)
    }
    return new Promise((resolve, reject) => {
      const stream = client.query(copyStream(this.sql))
      let serverError = false
      const signal = this.#signal
      const settle = (done: () => void): void => {
        signal?.removeEventListener('abort', abort)
        done()
      }
      const cancel = (reason: unknown): void => {
        // Once every row is sent (end()), the COPY is the server's to finish: too late to cancel.
        if (this.#failure !== undefined || serverError || stream.writableEnded) return
        this.#failure = { reason }
        // CopyFail; the stream closes once the server has answered it.
        stream.destroy(new Error(`${this.#operation} was cancelled: ${reason instanceof Error ? reason.message : String(reason)}`))
      }
      const abort = (): void => cancel(signal!.reason)
      stream.on('error', (error: Error) => {
        if (this.#failure !== undefined) return // the server's answer to our CopyFail
        serverError = true
        settle(() => reject(error))
      })
      stream.on('close', () => {
        const failure = this.#failure
        if (failure !== undefined) settle(() => reject(failure.reason))
      })
      stream.on('finish', () => {
        this.#rowCount = stream.rowCount
        settle(() => resolve({ command: 'COPY', rowCount: stream.rowCount, rows: [] } as unknown as PostgresQueryResult<never>))
      })
      signal?.addEventListener('abort', abort, { once: true })
      this.#pump(stream, () => this.#failure !== undefined || serverError).catch(cancel)
    })
  }

  /** Writes the rows; stops, leaving the source to its own clean-up, as soon as `stopped()`. */
  async #pump(stream: CopyStreamQuery, stopped: () => boolean): Promise<void> {
    let first = 0
    for await (const batch of this.#batches) {
      if (stopped()) return
      const text = encodeRows(batch, first, this.#target.columns, this.#operation)
      first += batch.length
      if (!stream.write(text)) await drained(stream)
      if (stopped()) return
    }
    if (!stopped()) stream.end()
  }
}

/** Resolves when the stream can take more, or has failed or closed. */
function drained(stream: CopyStreamQuery): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      stream.off('drain', done).off('error', done).off('close', done)
      resolve()
    }
    stream.on('drain', done).on('error', done).on('close', done)
  })
}
