/**
 * The channels a listener wants, in the order they were added, with a
 * generation that changes on every change, so that work done against a
 * snapshot can tell whether the set moved meanwhile. Never fails.
 *
 * ### Examples
 *
 * ```ts
 * const set = new ChannelSet(['jobs'])
 * const seen = set.generation
 * set.add('audit')
 * set.generation !== seen // true
 * ```
 */
export class ChannelSet {
  readonly #channels: Set<string>
  #generation = 0

  constructor(channels: Iterable<string>) {
    this.#channels = new Set(channels)
  }

  /** Changes whenever the set does. */
  get generation(): number {
    return this.#generation
  }

  /** The channels now, in the order added (a new array). */
  list(): string[] {
    return [...this.#channels]
  }

  has(channel: string): boolean {
    return this.#channels.has(channel)
  }

  add(channel: string): void {
    this.#channels.add(channel)
    this.#generation++
  }

  /** Removes `channel`; false when it was not there. */
  delete(channel: string): boolean {
    if (!this.#channels.delete(channel)) return false
    this.#generation++
    return true
  }

  /** Removes every channel and returns what there was. */
  clear(): string[] {
    const before = this.list()
    this.#channels.clear()
    this.#generation++
    return before
  }

  /** Puts channels back after a change was refused (the generation still moves). */
  restore(channels: Iterable<string>): void {
    for (const channel of channels) this.#channels.add(channel)
    this.#generation++
  }

  /** Whether `channels` holds exactly this set's channels, in any order. */
  equals(channels: readonly string[]): boolean {
    return channels.length === this.#channels.size && channels.every((c) => this.#channels.has(c))
  }
}
