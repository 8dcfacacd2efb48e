/** A span of notification ids a channel was listened to in: after `since`, up to `until`. */
interface Span {
  readonly since: number
  until: number
}

/**
 * The channels a listener hears, and since when: each `listen` opens a span
 * of ids starting after the highest id committed at that moment, each
 * `unlisten` closes it at the highest id committed then. A row is heard if
 * its id falls in a span of its channel, so what was committed before
 * `listen` is not heard, and what was committed before `unlisten` still is
 * (like PostgreSQL's LISTEN/UNLISTEN), however far behind the reading is.
 * Never fails; `add` of a channel already heard changes nothing.
 *
 * ### Examples
 *
 * ```ts
 * const spans = new ChannelSpans()
 * spans.add('jobs', 10)
 * spans.hears('jobs', 11)   // true
 * spans.remove('jobs', 12)
 * spans.hears('jobs', 13)   // false
 * ```
 */
export class ChannelSpans {
  readonly #spans = new Map<string, Span[]>()
  /** Channels with an open span, in the order they were added. */
  readonly #active = new Set<string>()

  /** The channels listened to now, in the order they were added. */
  get channels(): readonly string[] {
    return [...this.#active]
  }

  has(channel: string): boolean {
    return this.#active.has(channel)
  }

  /** Starts hearing `channel` after id `since`. */
  add(channel: string, since: number): void {
    if (this.#active.has(channel)) return
    let spans = this.#spans.get(channel)
    if (spans === undefined) this.#spans.set(channel, (spans = []))
    spans.push({ since, until: Infinity })
    this.#active.add(channel)
  }

  /** Stops hearing `channel` after id `until`. */
  remove(channel: string, until: number): void {
    const spans = this.#spans.get(channel)
    const open = spans?.find((s) => s.until === Infinity)
    if (open !== undefined) open.until = Math.max(open.since, until)
    this.#active.delete(channel)
  }

  /** Whether a row of `channel` with this `id` is heard. */
  hears(channel: string, id: number): boolean {
    const spans = this.#spans.get(channel)
    return spans !== undefined && spans.some((s) => id > s.since && id <= s.until)
  }

  /** Forgets closed spans that end at or before `cursor`: no row left to read falls in them. */
  forgetBefore(cursor: number): void {
    for (const [channel, spans] of this.#spans) {
      const kept = spans.filter((s) => s.until > cursor)
      if (kept.length === 0) this.#spans.delete(channel)
      else if (kept.length !== spans.length) this.#spans.set(channel, kept)
    }
  }
}
