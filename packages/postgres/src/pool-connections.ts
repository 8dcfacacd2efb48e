import type pg from 'pg'

/** How long closing waits for the pool's connections to close before it gives up on stragglers (a black-holed socket). */
const CLOSE_WAIT_MS = 2000

/**
 * The connections a pool has open, counted from its `'connect'` event to
 * its `'remove'` event (which pg-pool emits once a connection has ended,
 * its socket closed), so that closing a DB can resolve only once the
 * server has seen every one of them go: `pool.end()` alone resolves as soon
 * as the pool has let go of them. Never fails.
 *
 * ### Examples
 *
 * ```ts
 * const connections = new PoolConnections(pool)   // before the pool's first connection
 * await pool.end()
 * await connections.closed()
 * ```
 */
export class PoolConnections {
  readonly #open = new Set<pg.PoolClient>()
  #onEmpty: (() => void) | undefined

  constructor(pool: pg.Pool) {
    pool.on('connect', (client) => this.#open.add(client as pg.PoolClient))
    pool.on('remove', (client) => {
      this.#open.delete(client as pg.PoolClient)
      if (this.#open.size === 0) this.#onEmpty?.()
    })
  }

  /** Resolves once no connection is open (after `pool.end()`), or after two seconds at most. */
  closed(): Promise<void> {
    if (this.#open.size === 0) return Promise.resolve()
    return new Promise((resolve) => {
      const timer = setTimeout(done, CLOSE_WAIT_MS)
      timer.unref()
      const onEmpty = this.#onEmpty
      this.#onEmpty = done
      function done(): void {
        clearTimeout(timer)
        onEmpty?.()
        resolve()
      }
    })
  }
}
