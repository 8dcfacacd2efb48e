import type { LibraryName } from '../workloads/workload.js'

/** A row of the lookup table. */
export interface KvRow {
  readonly id: number
  readonly name: string
}

/** The two session operations measured, on one library's connection(s). */
export interface SessionOps {
  /** Reads one row by primary key (a synchronous driver returns it directly). */
  getById(id: number): KvRow | Promise<KvRow>
  /** Inserts one row in autocommit. */
  insert(name: string): unknown
  close(): Promise<void>
}

/** One library for the session workloads. */
export interface SessionPeer {
  readonly name: LibraryName
  /** The calls measured, as the report describes them. */
  readonly idiom: string
  /** Opens the library on `target` (a PostgreSQL URL or an SQLite file). */
  open(target: string): Promise<SessionOps>
}
