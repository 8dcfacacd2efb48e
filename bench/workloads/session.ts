import type { BenchConfig } from '../config.js'
import { runOps } from '../measure.js'
import { kyselyPgSession, liteormPgSession, PG_POOL_SIZE, rawPgSession } from '../peers/pg-session.js'
import type { SessionPeer } from '../peers/session-peer.js'
import { withAdmin } from '../server.js'
import { ratioTarget, type RunContext, type RunResult, type Target, type Workload } from './workload.js'

const PEERS: readonly SessionPeer[] = [liteormPgSession, rawPgSession, kyselyPgSession]

/**
 * Runs a session peer's two operations, one after the other, for
 * `sessionMs` each (a fraction of it in the warm-up run), each after an
 * untimed warm-up on the same connections, and reports ops/s under
 * `${prefix}-get` and `${prefix}-insert`.
 *
 * ### Examples
 *
 * ```ts
 * await measureSession(rawPgSession, url, ctx, 'pg', 8)
 * ```
 */
export async function measureSession(peer: SessionPeer, target: string, ctx: RunContext, prefix: string, concurrency: number): Promise<RunResult> {
  const { config } = ctx
  // The warm-up run lasts a second at least: the JIT needs that much work to settle each library's path.
  const durationMs = ctx.round < 0 ? Math.max(1000, Math.round(config.sessionMs * config.warmupFraction)) : config.sessionMs
  // Each operation first runs untimed on the same connections: fresh pools (and fresh server backends)
  // take a few hundred milliseconds to reach their steady rate.
  const warmMs = Math.max(200, Math.round(config.sessionMs * config.warmupFraction))
  const ops = await peer.open(target)
  try {
    const rows = config.sessionRows
    const get = (i: number): unknown => ops.getById(((i * 7919) % rows) + 1)
    const insert = (i: number): unknown => ops.insert(`row ${i}`)
    await runOps(get, { concurrency, durationMs: warmMs })
    const gets = await runOps(get, { concurrency, durationMs })
    await runOps(insert, { concurrency, durationMs: warmMs })
    const inserts = await runOps(insert, { concurrency, durationMs })
    return { [`${prefix}-get`]: { value: gets.opsPerSecond }, [`${prefix}-insert`]: { value: inserts.opsPerSecond } }
  } finally {
    await ops.close()
  }
}

/**
 * The targets of a session row: liteorm's time per operation over each
 * reference library's.
 *
 * ### Examples
 *
 * ```ts
 * sessionTargets([['pg', 1.1], ['Kysely', 1.05]])
 * ```
 */
export function sessionTargets(limits: readonly (readonly [Parameters<typeof ratioTarget>[0]['against'], number])[]): Target[] {
  return limits.map(([against, limit]) => ratioTarget({ against, better: 'higher', ratio: 'time', op: '<=', limit }))
}

/**
 * Session overhead on PostgreSQL: liteorm's `queryOne` by primary key and
 * single-row `exec` insert against raw `pg` (`pool.query`) and raw Kysely
 * running the same `sql` templates, each on a pool of 4 with 8 operations
 * in flight; ops/s. The targets are time ratios (liteorm's time per
 * operation over the peer's).
 *
 * ### Examples
 *
 * ```ts
 * const r = await sessionWorkload.run('Kysely', ctx) // { 'pg-get': …, 'pg-insert': … }
 * ```
 */
export const sessionWorkload: Workload = {
  id: 'session',
  title: 'Session overhead (PostgreSQL)',
  method:
    `queryOne by primary key (10 000-row table) and single-row insert in autocommit, pools of ${PG_POOL_SIZE}, 8 in flight, ` +
    'liteorm with sql`` templates vs raw pg pool.query(text, values) vs raw Kysely running the same sql`` templates; ' +
    'each operation timed after an untimed warm-up on the same pool; ops/s; ' +
    'targets are time ratios (liteorm time per op ÷ peer time per op).',
  libraries: PEERS.map((p) => p.name),
  rows: [
    { id: 'pg-get', title: 'pg session: queryOne by PK', unit: 'ops/s', better: 'higher', targets: sessionTargets([['pg', 1.1], ['Kysely', 1.05]]) },
    { id: 'pg-insert', title: 'pg session: insert (exec)', unit: 'ops/s', better: 'higher', targets: sessionTargets([['pg', 1.1], ['Kysely', 1.05]]) },
  ],

  async setup(url: string, config: BenchConfig) {
    await withAdmin(url, async (c) => {
      await c.query('drop table if exists bench_kv, bench_ins')
      await c.query('create table bench_kv (id int primary key, name text not null)')
      await c.query('create table bench_ins (id bigserial primary key, name text not null)')
      await c.query("insert into bench_kv select g, 'name ' || g from generate_series(1, $1) g", [config.sessionRows])
      await c.query('analyze bench_kv')
    })
    return () => withAdmin(url, async (c) => void (await c.query('drop table if exists bench_kv, bench_ins')))
  },

  async run(library, ctx) {
    const peer = PEERS.find((p) => p.name === library)
    if (peer === undefined) throw new Error(`no PostgreSQL session peer ${library}`)
    return measureSession(peer, ctx.url, ctx, 'pg', ctx.config.sessionConcurrency)
  },
}
