import { sleep } from './backoff.js'
import { abortable, Deadline } from './deadline.js'
import { ConnectionError } from './errors.js'
import type { LinkSupervisor } from './link-supervisor.js'
import type { ListenerLink } from './listener-link.js'
import type { ListenerSettings } from './listener-settings.js'

/** How often a probe waiting for a replaced link looks for the fresh one. */
const NEXT_LIVE_POLL_MS = 10

/**
 * One probe (a listener's `ping` or `listeningOnServer`) on the live link,
 * bounded by the health-check (or connect) time. When the link turns out
 * dead (a stale connection), it is replaced and the probe is sent once more
 * on the fresh link, within the same time. Rejects with `ConnectionError`
 * while disconnected or when no answer comes in time, and with
 * `closing.reason` once the listener closes.
 *
 * ### Examples
 *
 * ```ts
 * const server = await probeLive(supervisor, settings, transport.target, closing.signal, 'ping')
 * ```
 */
export async function probeLive(
  supervisor: LinkSupervisor,
  settings: ListenerSettings,
  target: string,
  closing: AbortSignal,
  what: string,
): Promise<readonly string[] | undefined> {
  const link = supervisor.live
  if (link === undefined) throw new ConnectionError(`the listener is not connected to ${target} right now; it is reconnecting`)
  const ms = settings.healthCheckMs || settings.connectTimeoutMs
  const step = new Deadline(ms, closing, () => new ConnectionError(`${target} gave no answer to ${what} within ${ms} ms`))
  try {
    return await abortable(link.probe(), step.signal)
  } catch (error) {
    if (!(error instanceof ConnectionError) || step.signal.aborted || settings.reconnect === false) throw error
    supervisor.linkFailed(link, error)
    return await abortable(nextLive(supervisor, link, step.signal).then((fresh) => fresh.probe()), step.signal)
  } finally {
    step.clear()
  }
}

/** The first live link other than `gone`, once the supervisor has one; rejects when `signal` aborts. */
async function nextLive(supervisor: LinkSupervisor, gone: ListenerLink, signal: AbortSignal): Promise<ListenerLink> {
  for (;;) {
    const link = supervisor.live
    if (link !== undefined && link !== gone) return link
    await sleep(NEXT_LIVE_POLL_MS, signal)
    if (signal.aborted) throw signal.reason
  }
}
