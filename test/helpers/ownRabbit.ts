import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';
import amqp from 'amqplib';

/**
 * A RabbitMQ node of the test's own (own name, ports, data directory) for tests that restart the broker or
 * close its connections; the shared node on 5672 is never touched. Stopped by its own stop command.
 */
export class OwnRabbit {
  private chosenPort = 0;

  /** The AMQP port, chosen free at the first start and kept across restarts (clients reconnect to it). */
  get port(): number {
    if (!this.chosenPort) throw new Error('OwnRabbit: start() it first');
    return this.chosenPort;
  }

  get url(): string {
    return `amqp://guest:guest@127.0.0.1:${this.port}`;
  }

  private get node(): string {
    return `tmtest${this.port}@localhost`;
  }

  private readonly dir = mkdtempSync(join(tmpdir(), 'tm-rabbit-'));

  private env(): NodeJS.ProcessEnv {
    return {
      ...process.env, HOME: '/root', RABBITMQ_NODENAME: this.node, RABBITMQ_NODE_PORT: String(this.port),
      RABBITMQ_DIST_PORT: String(this.port + 3000), RABBITMQ_MNESIA_BASE: join(this.dir, 'mnesia'),
      RABBITMQ_LOG_BASE: join(this.dir, 'log'), RABBITMQ_ENABLED_PLUGINS_FILE: join(this.dir, 'enabled_plugins'),
      RABBITMQ_CONFIG_FILE: join(this.dir, 'rabbitmq.conf'), RABBITMQ_PID_FILE: join(this.dir, 'pid'),
    };
  }

  /**
   * Start the node. The first start picks ports free right now (the AMQP port and the distribution port 3000
   * above it, both inside Linux's ephemeral range, where an outgoing connection may hold one) and moves to other
   * ports when the node exits before it answers — seen on CI as ECONNREFUSED for the whole wait. A restart keeps
   * its ports and data.
   */
  async start(): Promise<void> {
    if (this.chosenPort) return this.launch();
    for (let attempt = 1; ; attempt++) {
      this.chosenPort = await freePortPair();
      try {
        await this.launch();
        return;
      } catch (err) {
        await this.ctl(['stop']);
        if (attempt >= 3) throw err;
      }
    }
  }

  private async launch(): Promise<void> {
    writeFileSync(join(this.dir, 'enabled_plugins'), '[].\n');
    writeFileSync(join(this.dir, 'rabbitmq.conf'), `listeners.tcp.1 = 127.0.0.1:${this.port}\n`);
    const server = spawn('/usr/lib/rabbitmq/bin/rabbitmq-server', [], { env: this.env(), stdio: 'ignore', detached: true });
    let exited: number | null | undefined;
    server.on('exit', (code) => (exited = code));
    server.unref();
    await this.waitUntilUp(90_000, () => exited);
  }

  private async waitUntilUp(timeoutMs: number, exitCode: () => number | null | undefined): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        const connection = await amqp.connect(this.url);
        await connection.close();
        return;
      } catch (err) {
        if (exitCode() !== undefined) throw new Error(`rabbitmq-server exited (code ${String(exitCode())}) before it answered on port ${this.port}`, { cause: err });
        if (Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  }

  private ctl(args: string[]): Promise<number | null> {
    return new Promise((resolve) => {
      const child = spawn('/usr/lib/rabbitmq/bin/rabbitmqctl', ['-n', this.node, ...args], { env: this.env(), stdio: 'ignore' });
      child.on('exit', resolve);
    });
  }

  /** Close every client connection, as an operator (or a network blip) would. */
  async closeAllConnections(): Promise<void> {
    await this.ctl(['close_all_connections', 'test: connections closed on purpose']);
  }

  /** Apply a policy to this node's queues matching `pattern` (e.g. make them refuse every publish). */
  async setPolicy(name: string, pattern: string, definition: Record<string, unknown>): Promise<void> {
    const code = await this.ctl(['set_policy', name, pattern, JSON.stringify(definition), '--apply-to', 'queues']);
    if (code !== 0) throw new Error(`rabbitmqctl set_policy exited with ${code}`);
  }

  /** Run `rabbitmqctl <args>` against this node (add_user, add_vhost, set_permissions …); throws when it fails. */
  async rabbitmqctl(args: string[]): Promise<void> {
    const code = await this.ctl(args);
    if (code !== 0) throw new Error(`rabbitmqctl ${args[0] ?? ''} exited with ${code}`);
  }

  /** Stop the node and start it again with the same data (durable queues and persistent messages survive). */
  async restart(): Promise<void> {
    await this.ctl(['stop']);
    await this.start();
  }

  async stop(): Promise<void> {
    if (this.chosenPort) await this.ctl(['stop']);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A port in 36000–37999 that, with the one 3000 above it, can be bound on 127.0.0.1 right now. */
async function freePortPair(): Promise<number> {
  for (;;) {
    const port = 36000 + Math.floor(Math.random() * 2000);
    if ((await canBind(port)) && (await canBind(port + 3000))) return port;
  }
}

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
