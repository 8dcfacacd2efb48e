/**
 * The two backends the contract suite runs on, and everything that differs
 * between them, in one place. The tests themselves are the same for both;
 * where a database really behaves differently, the test branches on
 * `backend.dialect` with a comment saying why, and the difference is listed
 * here.
 *
 * | what                                   | PostgreSQL                       | SQLite                                   | why |
 * |----------------------------------------|----------------------------------|------------------------------------------|-----|
 * | where a test file's data lives         | its own database (useDatabase)   | a file in a temp directory               | a server vs. a file |
 * | auto-increment key                     | `serial primary key`             | `integer primary key`                    | DDL syntax |
 * | CompiledQuery placeholders             | `$1`                             | `?`                                      | the driver's syntax |
 * | `exec().insertId`                      | absent                           | the rowid, a bigint                      | PostgreSQL has no last-insert id (use RETURNING) |
 * | `isolationLevel`                       | all four                         | `'serializable'` only, else InvalidArgumentError | SQLite runs every transaction serializable |
 * | write in a `readOnly` transaction      | driverCode `25006`               | driverCode `SQLITE_READONLY`             | the database's own code |
 * | constraint error fields                | `constraint` + `table` from the server | parsed from the message: unique/not-null name `table`/`column`, CHECK its name, FK nothing | SQLite reports no structured fields |
 * | driverCode                             | SQLSTATE (`23505`)               | extended result code (`SQLITE_CONSTRAINT_UNIQUE`) | |
 * | how a lock makes a write fail (BusyError) | `FOR UPDATE NOWAIT` on a locked row (55P03) | a second DB on the file, its busy timeout (50 ms) running out while a transaction holds the write lock (SQLITE_BUSY) | row locks vs. one database write lock |
 * | transactions side by side on one DB    | interleave (a pool)              | run one after another (one connection, BEGIN IMMEDIATE) | SQLite has one writer |
 * | `Notification.pid`                     | the sending backend's pid        | the sending process's pid                | no server process on SQLite |
 * | what `subscribe` shares                | one pool connection per DB       | one listener connection to the file per DB | |
 * | `pool(db)` from @liteorm/postgres       | the `pg.Pool`                    | `undefined`                              | |
 * | how `copyFrom` loads                   | one `COPY ... FROM STDIN`        | a prepared INSERT per row, in a transaction or savepoint | the database's bulk path |
 * | column types of the copy round trip    | `timestamptz`, `bytea`, `jsonb`, `boolean`, `int[]` | `text`, `blob`, `text`, `integer`, `text` | SQLite has no date, JSON, boolean nor array type |
 * | a `Date` / `true` / an array read back  | a `Date` / `true` / an array      | ISO 8601 text / `1` / JSON text          | what `copyFrom` stores on SQLite |
 * | a quoted table name in another case     | another table (exact)            | the same table                           | SQLite matches names case-insensitively |
 * | a failed `copyFrom` in a transaction    | fails the transaction (as any failed statement) | rolls back its savepoint; the transaction goes on | PostgreSQL aborts a transaction on any error |
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Channel, CopyFromOptions, CopyRows, DB, Dialect, Listener, ListenOptions, Result, Session, SubscribeOptions, Subscription, SubscriptionStatus } from '@liteorm/core'
import * as postgres from '@liteorm/postgres'
import * as sqlite from '@liteorm/sqlite'
import { afterAll } from 'vitest'
import { useDatabase } from '@liteorm/testing/vitest'

/** What the contract suite needs from a backend. */
export interface Backend {
  readonly dialect: Dialect
  /** Gives the calling test file a database of its own (call in `beforeAll`); removed after the file. */
  prepare(): Promise<void>
  /** A new DB on the prepared database. */
  open<S = unknown>(): DB<S>
  notify<S>(session: Session<S>, channel: string, payload?: string): Promise<void>
  listen<S>(db: Session<S>, channels: string | readonly string[], options?: ListenOptions): Promise<Listener>
  /** The backend's `notify` on a typed channel. */
  notifyValue<S, T>(session: Session<S>, channel: Channel<T>, value: T): Promise<void>
  subscribe<S, T = string>(db: Session<S>, channel: string | Channel<T>, handlerOrOptions?: SubscribeOptions<T>['handler'] | SubscribeOptions<T>): Promise<Subscription<T>>
  subscriptionStatus<S>(db: Session<S>): Promise<SubscriptionStatus>
  /** The backend's `copyFrom`, untyped: the typed signature is pinned by the tests that call the packages directly. */
  copyFrom<S>(session: Session<S>, table: string, columns: readonly string[], rows: CopyRows<unknown>, options?: CopyFromOptions): Promise<Result>
  /** Column types for the copy round trip, by what they hold. */
  readonly copyTypes: CopyTypes
  /** The pid a notification sent on `tx` (a transaction) carries. */
  senderPid<S>(tx: Session<S>): Promise<number>
  /** The column type of an auto-increment integer key. */
  readonly serialKey: string
  /** Placeholder number `n` (1-based) in raw SQL of a CompiledQuery. */
  placeholder(n: number): string
  /** Inside the holding transaction `tx`: take the lock that `blockedWrite` needs on the row `items.id = 1`. */
  takeLock<S>(tx: Session<S>): Promise<void>
  /** A write on `items.id = 1` that fails with BusyError while another transaction holds that lock, and succeeds once it is free. */
  blockedWrite<S>(db: DB<S>): Promise<void>
}

/** The column type each kind of value of the copy round trip goes to. */
export interface CopyTypes {
  readonly timestamp: string
  readonly bytes: string
  readonly json: string
  readonly boolean: string
  readonly intArray: string
}

class PostgresBackend implements Backend {
  readonly dialect = 'postgres' as const
  readonly serialKey = 'serial primary key'
  readonly copyTypes = { timestamp: 'timestamptz', bytes: 'bytea', json: 'jsonb', boolean: 'boolean', intArray: 'int[]' }
  #url: string | undefined

  async prepare(): Promise<void> {
    this.#url = await useDatabase('contract')
  }

  open<S>(): DB<S> {
    if (this.#url === undefined) throw new Error('prepare() first')
    return postgres.open<S>(this.#url)
  }

  notify<S>(session: Session<S>, channel: string, payload?: string): Promise<void> {
    return postgres.notify(session, channel, payload)
  }

  listen<S>(db: Session<S>, channels: string | readonly string[], options?: ListenOptions): Promise<Listener> {
    return postgres.listen(db, channels, options)
  }

  notifyValue<S, T>(session: Session<S>, channel: Channel<T>, value: T): Promise<void> {
    return postgres.notify(session, channel, value)
  }

  subscribe<S, T = string>(db: Session<S>, channel: string | Channel<T>, handlerOrOptions?: SubscribeOptions<T>['handler'] | SubscribeOptions<T>): Promise<Subscription<T>> {
    return postgres.subscribe(db, channel, handlerOrOptions)
  }

  subscriptionStatus<S>(db: Session<S>): Promise<SubscriptionStatus> {
    return postgres.subscriptionStatus(db)
  }

  copyFrom<S>(session: Session<S>, table: string, columns: readonly string[], rows: CopyRows<unknown>, options?: CopyFromOptions): Promise<Result> {
    return postgres.copyFrom(session as Session, table, columns, rows as CopyRows<readonly unknown[]>, options)
  }

  async senderPid<S>(tx: Session<S>): Promise<number> {
    return (await tx.queryOne(postgres.sql<{ pid: number }>`select pg_backend_pid() as pid`)).pid
  }

  placeholder(n: number): string {
    return `$${n}`
  }

  async takeLock<S>(tx: Session<S>): Promise<void> {
    await tx.exec(postgres.sql`select id from items where id = 1 for update`)
  }

  async blockedWrite<S>(db: DB<S>): Promise<void> {
    // NOWAIT: fail at once with 55P03 instead of queueing behind the row lock.
    await db.exec(postgres.sql`select id from items where id = 1 for update nowait`)
  }
}

class SqliteBackend implements Backend {
  readonly dialect = 'sqlite' as const
  readonly serialKey = 'integer primary key'
  readonly copyTypes = { timestamp: 'text', bytes: 'blob', json: 'text', boolean: 'integer', intArray: 'text' }
  #file: string | undefined

  async prepare(): Promise<void> {
    const dir = mkdtempSync(join(tmpdir(), 'liteorm-contract-'))
    this.#file = join(dir, `contract-${randomBytes(4).toString('hex')}.db`)
    afterAll(() => rmSync(dir, { recursive: true, force: true }))
  }

  open<S>(): DB<S> {
    if (this.#file === undefined) throw new Error('prepare() first')
    return sqlite.open<S>(this.#file)
  }

  notify<S>(session: Session<S>, channel: string, payload?: string): Promise<void> {
    return sqlite.notify(session, channel, payload)
  }

  listen<S>(db: Session<S>, channels: string | readonly string[], options?: ListenOptions): Promise<Listener> {
    return sqlite.listen(db, channels, options)
  }

  notifyValue<S, T>(session: Session<S>, channel: Channel<T>, value: T): Promise<void> {
    return sqlite.notify(session, channel, value)
  }

  subscribe<S, T = string>(db: Session<S>, channel: string | Channel<T>, handlerOrOptions?: SubscribeOptions<T>['handler'] | SubscribeOptions<T>): Promise<Subscription<T>> {
    return sqlite.subscribe(db, channel, handlerOrOptions)
  }

  subscriptionStatus<S>(db: Session<S>): Promise<SubscriptionStatus> {
    return sqlite.subscriptionStatus(db)
  }

  copyFrom<S>(session: Session<S>, table: string, columns: readonly string[], rows: CopyRows<unknown>, options?: CopyFromOptions): Promise<Result> {
    return sqlite.copyFrom(session as Session, table, columns, rows as CopyRows<readonly unknown[]>, options)
  }

  async senderPid(): Promise<number> {
    return process.pid
  }

  placeholder(): string {
    return '?'
  }

  async takeLock<S>(tx: Session<S>): Promise<void> {
    // BEGIN IMMEDIATE already took the database's write lock; write anyway, as a real holder would.
    await tx.exec(sqlite.sql`update items set name = name where id = 1`)
  }

  async blockedWrite(): Promise<void> {
    // SQLite locks the whole database for writing: a second DB on the file waits its busy timeout, then fails.
    const other = sqlite.open({ filename: this.#file!, busyTimeoutMs: 50 })
    try {
      await other.exec(sqlite.sql`update items set name = name where id = 1`)
    } finally {
      await other.close()
    }
  }
}

/** Both backends, for `describe.each`. */
export const backends: readonly Backend[] = [new PostgresBackend(), new SqliteBackend()]

/** A promise to wait on and the function that resolves it, to step two transactions side by side. */
export function gate(): { open: () => void; passed: Promise<void> } {
  let open!: () => void
  const passed = new Promise<void>((resolve) => (open = resolve))
  return { open, passed }
}

/** What a promise rejected with (or fails the test if it resolved). */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise
  } catch (error) {
    return error
  }
  throw new Error('expected a rejection, but the promise resolved')
}
