import { spawn, type ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';

/**
 * A Redis server of the test's own, on a free port, for tests that flush or restart it — the shared one
 * on 6379 is never touched. Stopped by its own pid.
 */
export class OwnRedis {
  private child: ChildProcess | undefined;
  readonly port = 20000 + Math.floor(Math.random() * 20000);
  readonly url = `redis://127.0.0.1:${this.port}`;

  async start(): Promise<void> {
    this.child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    const deadline = Date.now() + 10_000;
    for (;;) {
      const client = new Redis(this.url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
      client.on('error', () => undefined);
      try {
        await client.connect();
        await client.ping();
        return;
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 100));
      } finally {
        client.disconnect();
      }
    }
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
