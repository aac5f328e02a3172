import net from 'node:net';

/**
 * A TCP proxy of the test's own in front of a shared service (PostgreSQL, RabbitMQ, Redis), so a test can
 * give one process an outage or a stall without touching the service every other test uses.
 * - `cut()`: every open connection is reset and new ones are refused until `restore()` — the service is down.
 * - `stall()`: connections stay open but no byte moves either way until `restore()` — a frozen network or
 *   server (TCP keeps them alive; the client only notices through its own timeouts).
 */
export class TcpProxy {
  private server: net.Server | undefined;
  private readonly pairs = new Set<Pair>();
  private mode: 'open' | 'cut' | 'stalled' = 'open';
  private port = 0;

  constructor(private readonly targetHost: string, private readonly targetPort: number) {}

  /** Listen on a free loopback port; returns it. */
  async start(): Promise<number> {
    this.server = net.createServer((client) => this.accept(client));
    await new Promise<void>((resolve, reject) => {
      this.server?.once('error', reject);
      this.server?.listen(0, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.address() as net.AddressInfo).port;
    return this.port;
  }

  /** `url` with its host and port replaced by the proxy's. */
  urlFor(url: string): string {
    const parsed = new URL(url);
    parsed.hostname = '127.0.0.1';
    parsed.port = String(this.port);
    return parsed.toString();
  }

  /** Connections opened through the proxy and still open. */
  get openConnections(): number {
    return this.pairs.size;
  }

  cut(): void {
    this.mode = 'cut';
    for (const pair of this.pairs) {
      pair.client.resetAndDestroy();
      pair.upstream.destroy();
    }
    this.pairs.clear();
  }

  stall(): void {
    this.mode = 'stalled';
  }

  restore(): void {
    this.mode = 'open';
    for (const pair of this.pairs) {
      for (const chunk of pair.held.toUpstream.splice(0)) pair.upstream.write(chunk);
      for (const chunk of pair.held.toClient.splice(0)) pair.client.write(chunk);
    }
  }

  async stop(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private accept(client: net.Socket): void {
    if (this.mode === 'cut') {
      client.resetAndDestroy();
      return;
    }
    const upstream = net.connect(this.targetPort, this.targetHost);
    const pair: Pair = { client, upstream, held: { toUpstream: [], toClient: [] } };
    this.pairs.add(pair);
    const close = () => {
      this.pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
    // Bytes are held, not paused, while stalled: nothing reaches either side until restore().
    client.on('data', (chunk: Buffer) => (this.mode === 'stalled' ? pair.held.toUpstream.push(chunk) : upstream.write(chunk)));
    upstream.on('data', (chunk: Buffer) => (this.mode === 'stalled' ? pair.held.toClient.push(chunk) : client.write(chunk)));
  }
}

interface Pair {
  client: net.Socket;
  upstream: net.Socket;
  held: { toUpstream: Buffer[]; toClient: Buffer[] };
}
