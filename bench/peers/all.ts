import { liteormPeer } from './liteorm.js'
import type { NotifyLibraryName, NotifyPeer } from './notify-peer.js'
import { pgListenPeer } from './pg-listen.js'
import { postgresJsPeer } from './postgres-js.js'
import { rawPgPeer } from './raw-pg.js'

/** The LISTEN/NOTIFY libraries by name, liteorm first. */
export const NOTIFY_PEERS: Readonly<Record<NotifyLibraryName, NotifyPeer>> = {
  liteorm: liteormPeer,
  pg: rawPgPeer,
  'pg-listen': pgListenPeer,
  'postgres.js': postgresJsPeer,
}

/** Their names, in table order. */
export const NOTIFY_LIBRARIES = Object.keys(NOTIFY_PEERS) as readonly NotifyLibraryName[]

/** The peers whose own notify is the server call liteorm's makes (a bound `pg_notify`): own-notify targets compare with them. */
export const BOUND_NOTIFY_PEERS = NOTIFY_LIBRARIES.filter((name) => name !== 'liteorm' && NOTIFY_PEERS[name].boundNotify)

/**
 * The peer called `name`; throws for a library that is not a LISTEN/NOTIFY peer.
 *
 * ### Examples
 *
 * ```ts
 * notifyPeer('pg').idiom.consumer
 * ```
 */
export function notifyPeer(name: string): NotifyPeer {
  const peer = (NOTIFY_PEERS as Record<string, NotifyPeer | undefined>)[name]
  if (peer === undefined) throw new Error(`${name} is not a LISTEN/NOTIFY library of the bench`)
  return peer
}
