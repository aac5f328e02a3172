import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { childEnvironment } from '../shared/config.js';

const CLI = fileURLToPath(new URL('../cli/main.js', import.meta.url));
/** The same V8 setting the CLI's shebang gives (see src/cli/main.ts): a small young generation. */
export const FLEET_NODE_FLAGS = ['--max-semi-space-size=2'];

/** The producer and consumers the demo runs as child processes of its own. */
export class FleetProcesses {
  private readonly children: { name: string; child: ChildProcess; exited: Promise<number | null> }[] = [];

  /** `logFd`: a file the children's stderr (their logs) goes to; without it they share this process's stderr. */
  constructor(private readonly env: Record<string, string>, private readonly logFd?: number) {}

  start(name: string, args: string[]): void {
    const child = spawn(process.execPath, [...FLEET_NODE_FLAGS, CLI, ...args], {
      env: childEnvironment(this.env),
      stdio: ['ignore', 'ignore', this.logFd ?? 'inherit'],
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    this.children.push({ name, child, exited });
  }

  /** The process id of each child, by name (the bench reads their memory and CPU time from /proc). */
  pids(): Record<string, number | undefined> {
    return Object.fromEntries(this.children.map(({ name, child }) => [name, child.pid]));
  }

  /** SIGTERM every child (they drain), then wait for them; returns the exit code of each. */
  async stop(): Promise<Record<string, number | null>> {
    for (const { child } of this.children) if (child.exitCode === null) child.kill('SIGTERM');
    const codes: Record<string, number | null> = {};
    for (const { name, exited } of this.children) codes[name] = await exited;
    return codes;
  }
}
