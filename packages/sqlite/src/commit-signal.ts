/**
 * A process-wide signal "notifications were committed to database `key`",
 * so that listeners in this process read them at once instead of at their
 * next poll. The key identifies the database file (device and inode, so two
 * paths to one file share it) or one `:memory:` database.
 *
 * @module
 */

const subscribers = new Map<string, Set<() => void>>()

/**
 * Calls `wake` after every commit that wrote notifications to the database
 * `key` from this process, until the returned function is called. Never fails.
 *
 * ### Examples
 *
 * ```ts
 * const stop = onCommit(context.key, () => listener.wake())
 * stop()
 * ```
 */
export function onCommit(key: string, wake: () => void): () => void {
  let set = subscribers.get(key)
  if (set === undefined) subscribers.set(key, (set = new Set()))
  set.add(wake)
  return () => {
    set.delete(wake)
    if (set.size === 0 && subscribers.get(key) === set) subscribers.delete(key)
  }
}

/**
 * Wakes every subscriber of `key`. A subscriber that throws does not stop
 * the others. Never fails.
 *
 * ### Examples
 *
 * ```ts
 * signalCommit(context.key) // right after COMMIT
 * ```
 */
export function signalCommit(key: string): void {
  const set = subscribers.get(key)
  if (set === undefined) return
  for (const wake of [...set]) {
    try {
      wake()
    } catch {
      // A listener's failure is its own; the commit has happened.
    }
  }
}
