import { connect, createServer, type Server, type Socket } from 'node:net'

interface Pair {
  readonly client: Socket
  readonly upstream: Socket
  /** The server side is gone and the client was not told: its next bytes get a reset. */
  orphaned: boolean
}

/**
 * A loopback TCP proxy for fault tests: everything sent to `port` is
 * forwarded to the target, until a test cuts it (FIN), resets it (RST) or
 * black-holes it (stops forwarding in both directions without closing, as a
 * dead NAT or a pulled cable does).
 *
 * ### Examples
 *
 * ```ts
 * const proxy = await FaultProxy.start('127.0.0.1', 5432)
 * const db = open(proxy.rewrite(url))
 * proxy.blackhole()   // connections stall, new ones too
 * proxy.restore()     // traffic flows again
 * await proxy.close()
 * ```
 */
export class FaultProxy {
  readonly #server: Server
  #targetHost: string
  #targetPort: number
  readonly #pairs = new Set<Pair>()
  #blackholed = false
  #refusing = false

  private constructor(server: Server, targetHost: string, targetPort: number) {
    this.#server = server
    this.#targetHost = targetHost
    this.#targetPort = targetPort
    server.on('connection', (client) => this.#accept(client))
  }

  /** Starts a proxy on a free loopback port forwarding to `host:port`. */
  static async start(host: string, port: number): Promise<FaultProxy> {
    const server = createServer()
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(0, '127.0.0.1', resolve)
    })
    return new FaultProxy(server, host, port)
  }

  /** Starts a proxy in front of the server a PostgreSQL URL points at. */
  static forUrl(url: string): Promise<FaultProxy> {
    const u = new URL(url)
    return FaultProxy.start(u.hostname, Number(u.port || 5432))
  }

  /** The loopback port clients should connect to. */
  get port(): number {
    const address = this.#server.address()
    return typeof address === 'object' && address !== null ? address.port : 0
  }

  /** `url` with its host and port replaced by the proxy's. */
  rewrite(url: string): string {
    const u = new URL(url)
    u.hostname = '127.0.0.1'
    u.port = String(this.port)
    return u.toString()
  }

  /** Closes every open connection gracefully (FIN to both ends). New ones are still accepted. */
  cut(): void {
    for (const { client, upstream } of this.#pairs) {
      client.end()
      upstream.end()
    }
  }

  /**
   * Sends new connections to the server at `url` from now on, as a virtual
   * IP or DNS name moved to a promoted standby does; open connections are
   * left as they are (reset them to model the move's cut).
   */
  retarget(url: string): void {
    const u = new URL(url)
    this.#targetHost = u.hostname
    this.#targetPort = Number(u.port || 5432)
  }

  /**
   * Ends the server side of every open connection and tells the clients
   * nothing, as a server restart or failover behind a NAT or load balancer
   * does: each client finds out only when it next sends something (a reset).
   * New connections are forwarded as usual.
   */
  orphan(): void {
    for (const pair of this.#pairs) {
      pair.orphaned = true
      pair.upstream.destroy()
    }
  }

  /** Resets every open connection (RST to both ends). New ones are still accepted. */
  reset(): void {
    for (const { client, upstream } of this.#pairs) {
      client.resetAndDestroy()
      upstream.resetAndDestroy()
    }
  }

  /**
   * Stops forwarding in both directions without closing anything: nothing
   * read, nothing written, no FIN, no RST. New connections are accepted and
   * stall the same way.
   */
  blackhole(): void {
    this.#blackholed = true
    for (const { client, upstream } of this.#pairs) {
      client.pause()
      upstream.pause()
    }
  }

  /**
   * Resets every new connection as soon as it is accepted, as a server that
   * is down does; open connections are left alone.
   */
  refuse(): void {
    this.#refusing = true
  }

  /** Forwards again (ending `blackhole()` and `refuse()`); what waited in the sockets' buffers flows on. */
  restore(): void {
    this.#blackholed = false
    this.#refusing = false
    for (const { client, upstream } of this.#pairs) {
      client.resume()
      upstream.resume()
    }
  }

  /** Stops accepting and destroys every connection. */
  async close(): Promise<void> {
    for (const { client, upstream } of this.#pairs) {
      client.destroy()
      upstream.destroy()
    }
    await new Promise<void>((resolve) => this.#server.close(() => resolve()))
  }

  #accept(client: Socket): void {
    if (this.#refusing) {
      client.on('error', () => undefined)
      client.resetAndDestroy()
      return
    }
    const upstream = connect(this.#targetPort, this.#targetHost)
    const pair: Pair = { client, upstream, orphaned: false }
    this.#pairs.add(pair)
    client.setNoDelay(true)
    upstream.setNoDelay(true)
    client.on('data', (chunk) => {
      if (pair.orphaned) client.resetAndDestroy()
      else if (!upstream.write(chunk)) client.pause()
    })
    upstream.on('data', (chunk) => {
      if (!client.write(chunk)) upstream.pause()
    })
    client.on('drain', () => this.#blackholed || upstream.resume())
    upstream.on('drain', () => this.#blackholed || client.resume())
    const close = (): void => {
      if (pair.orphaned && !client.destroyed) return // the client end lives on, unaware, until it speaks
      this.#pairs.delete(pair)
      client.destroy()
      upstream.destroy()
    }
    client.on('end', () => upstream.end())
    upstream.on('end', () => pair.orphaned || client.end())
    client.on('close', close)
    upstream.on('close', close)
    client.on('error', close)
    upstream.on('error', close)
    if (this.#blackholed) {
      client.pause()
      upstream.pause()
    }
  }
}
