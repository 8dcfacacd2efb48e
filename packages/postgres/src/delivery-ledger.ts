/**
 * What a logical listener has received and what its consumer is done with,
 * across the links (connections) it goes through: the state that must
 * outlive a connection. It decides which transaction a fresh link skips
 * (already delivered by an earlier link, still queued) and which position
 * may be acknowledged to the server.
 *
 * Durable (`durable: name`): a transaction's end is acknowledged once the
 * consumer is done with every notification delivered up to it, so after a
 * crash only what was not acknowledged repeats. Temporary: everything
 * received is acknowledged at once (at-most-once, like NOTIFY).
 *
 * Memory: one mark per transaction boundary with deliveries before it that
 * are not yet consumed, so at most one more than the queued notifications.
 *
 * ### Examples
 *
 * ```ts
 * const ledger = new DeliveryLedger(true, (lsn) => link.sendStatus(lsn))
 * ledger.begin(commitLsn); if (ledger.admit()) sink.deliver(n); ledger.commit(endLsn)
 * ledger.consumed(1) // the consumer asked for the next one: may acknowledge
 * ```
 */
export class DeliveryLedger {
  readonly #durable: boolean
  readonly #onAckable: (lsn: bigint) => void
  #delivered = 0
  #consumed = 0
  /** Positions that may be acknowledged once `after` notifications are consumed, oldest first. */
  #marks: { after: number; lsn: bigint }[] = []
  #ackable = 0n
  /** Every transaction whose commit lies before this was received whole. */
  #receivedUpTo = 0n
  /** The transaction being received on the current link. */
  #current: { commitLsn: bigint; delivered: number; skip: number; fresh: number; old: boolean } | undefined
  /** A transaction a lost link received part of: how many of its notifications went out. */
  #partial: { commitLsn: bigint; delivered: number } | undefined

  constructor(durable: boolean, onAckable: (lsn: bigint) => void) {
    this.#durable = durable
    this.#onAckable = onAckable
  }

  /** The position the server may be told is done with (0 before anything is). */
  get ackable(): bigint {
    return this.#ackable
  }

  /**
   * Durable: the consumer is done with everything delivered, but the
   * transaction of the last of it has not ended yet (its Commit is still on
   * the way), so nothing of it can be acknowledged until it does.
   */
  get awaitingCommit(): boolean {
    const current = this.#current
    return this.#durable && current !== undefined && !current.old && current.fresh > 0 && this.#consumed >= this.#delivered
  }

  /** A new link starts: a transaction the last one was in the middle of will come again, whole. */
  restart(): void {
    const current = this.#current
    if (current !== undefined && !current.old) this.#partial = { commitLsn: current.commitLsn, delivered: current.delivered }
    this.#current = undefined
  }

  /** A transaction begins; one received whole before is skipped. */
  begin(commitLsn: bigint): void {
    const partial = this.#partial
    const skip = partial !== undefined && partial.commitLsn === commitLsn ? partial.delivered : 0
    this.#current = { commitLsn, delivered: 0, skip, fresh: 0, old: commitLsn < this.#receivedUpTo }
  }

  /** Whether a notification of the current transaction goes out (not already delivered by an earlier link); counts it if so. */
  admit(): boolean {
    const current = this.#current
    if (current === undefined) return true
    if (current.old) return false
    current.delivered++
    if (current.skip > 0) {
      current.skip--
      return false
    }
    current.fresh++
    this.#delivered++
    return true
  }

  /** The current transaction ended at `endLsn`. */
  commit(endLsn: bigint): void {
    const current = this.#current
    this.#current = undefined
    if (current?.old === true) return
    this.#partial = undefined
    this.#advance(endLsn)
  }

  /** The server says it sent everything before `walEnd`: between transactions, that much is received. */
  keepalive(walEnd: bigint): void {
    if (this.#current === undefined) this.#advance(walEnd)
  }

  /** The consumer is done with `count` more notifications, in delivery order. */
  consumed(count: number): void {
    this.#consumed += count
    this.#settle()
  }

  #advance(lsn: bigint): void {
    if (lsn <= this.#receivedUpTo) return
    this.#receivedUpTo = lsn
    if (!this.#durable) return this.#ack(lsn)
    const last = this.#marks.at(-1)
    if (last !== undefined && last.after === this.#delivered) last.lsn = lsn
    else this.#marks.push({ after: this.#delivered, lsn })
    this.#settle()
  }

  #settle(): void {
    let lsn: bigint | undefined
    while (this.#marks.length > 0 && this.#marks[0]!.after <= this.#consumed) lsn = this.#marks.shift()!.lsn
    if (lsn !== undefined) this.#ack(lsn)
  }

  #ack(lsn: bigint): void {
    if (lsn <= this.#ackable) return
    this.#ackable = lsn
    this.#onAckable(lsn)
  }
}
