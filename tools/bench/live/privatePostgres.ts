import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePorts } from '../fleetPhases.js';

/**
 * A PostgreSQL cluster of the bench's own: its own port and data directory under a temporary directory, so
 * the bench can choose WAL and checkpoint settings and is not disturbed by (nor disturbs) other databases on
 * the shared server. Trust authentication on 127.0.0.1 only. Run as the system user `postgres` that the
 * server package creates (initdb refuses root). Stopped by its data directory, which is then removed.
 */
export class PrivatePostgres {
  readonly dir = mkdtempSync(join(tmpdir(), 'tm-bench-live-pg-'));
  port = 0;

  constructor(private readonly settings: Record<string, string>) {}

  private get data(): string {
    return join(this.dir, 'data');
  }

  get logFile(): string {
    return join(this.dir, 'server.log');
  }

  url(database = 'postgres'): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  async start(): Promise<void> {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(this.dir, uid, gid);
    this.asPostgres('initdb', ['-D', this.data, '-U', 'postgres', '-E', 'UTF8', '--auth-local=trust', '--auth-host=trust']);
    [this.port] = await freePorts(1) as [number];
    const settings = Object.entries({ listen_addresses: '127.0.0.1', log_checkpoints: 'on', ...this.settings })
      .map(([name, value]) => `-c ${name}=${value}`).join(' ');
    this.asPostgres('pg_ctl', ['-D', this.data, '-o', `-p ${this.port} -k ${this.dir} ${settings}`, '-l', this.logFile, '-w', 'start']);
  }

  stop(): void {
    if (existsSync(join(this.data, 'postmaster.pid'))) this.asPostgres('pg_ctl', ['-D', this.data, '-m', 'fast', '-w', 'stop']);
    rmSync(this.dir, { recursive: true, force: true });
  }

  private asPostgres(program: string, args: string[]): void {
    execFileSync('setpriv', ['--reuid', 'postgres', '--regid', 'postgres', '--clear-groups', join(serverBinDir(), program), ...args], { stdio: 'pipe' });
  }
}

/** /usr/lib/postgresql/<newest>/bin, where Debian's server package puts initdb, pg_ctl and pgbench. */
export function serverBinDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))) : [];
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  if (newest === undefined) throw new Error(`no PostgreSQL server binaries (initdb) under ${root}: install the postgresql package`);
  return join(root, newest, 'bin');
}
