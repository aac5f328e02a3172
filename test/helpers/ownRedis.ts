import { spawn, type ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';

/**
 * A Redis server of the test's own, on a free port, for tests that flush or restart it — the shared one
 * on 6379 is never touched. Stopped by its own pid.
 */
export class OwnRedis {
  private child: ChildProcess | undefined;
  private currentPort: number;
  private started = false;

  /** `port`: the port to try first (tests of this helper); a random one by default. */
  constructor(port?: number) {
    this.currentPort = port ?? randomPort();
  }

  get port(): number {
    return this.currentPort;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.currentPort}`;
  }

  /**
   * Start the server and wait until it answers as itself (INFO's process_id is our child's pid): on a random
   * port another process may hold the port already, and its answers must not be taken for ours. A first start
   * then moves to another port; a restart keeps its port, as a failover would.
   */
  async start(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      if (await this.launch()) {
        this.started = true;
        return;
      }
      if (this.started || attempt >= 5) throw new Error(`redis-server did not start on port ${this.currentPort}`);
      this.currentPort = randomPort();
    }
  }

  private async launch(): Promise<boolean> {
    const child = spawn('redis-server', ['--port', String(this.currentPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    this.child = child;
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null) return false;
      const client = new Redis(this.url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
      client.on('error', () => undefined);
      try {
        await client.connect();
        const pid = /process_id:(\d+)/.exec(await client.info('server'))?.[1];
        if (Number(pid) === child.pid) return true;
      } catch {
        // Not up yet: try again.
      } finally {
        client.disconnect();
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    child.kill('SIGKILL');
    return false;
  }

  async flushAll(): Promise<void> {
    const client = new Redis(this.url);
    try {
      await client.flushall();
    } finally {
      client.disconnect();
    }
  }

  /** Stop and start again on the same port: with no persistence it comes back empty, like a failover. */
  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  /**
   * Freeze the server (SIGSTOP of its own pid): connections stay open, nothing answers, and keys with a TTL
   * (BullMQ's locks) expire by the wall clock meanwhile — a frozen container or a long stop-the-world pause.
   */
  stall(): void {
    this.child?.kill('SIGSTOP');
  }

  /** Let a stalled server run again (SIGCONT). */
  resume(): void {
    this.child?.kill('SIGCONT');
  }

  async stop(): Promise<void> {
    this.resume();
    if (!this.child || this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child?.on('exit', resolve));
    this.child.kill('SIGTERM');
    await exited;
  }
}

function randomPort(): number {
  return 20000 + Math.floor(Math.random() * 20000);
}
