import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A PostgreSQL cluster of the test's own whose TCP connections must log in with a SCRAM-SHA-256 password (the
 * shared server trusts every local connection, so a password proves nothing there), with every statement in its
 * log. Run as the system user `postgres` that the server package creates (initdb refuses root). Stopped by its
 * data directory, which is then removed.
 */
export class ScramPostgres {
  readonly ownerPassword = 'owner-password-of-the-test-cluster';
  readonly dir = mkdtempSync(join(tmpdir(), 'tm-scram-pg-'));
  port = 0;

  private get data(): string {
    return join(this.dir, 'data');
  }

  get logFile(): string {
    return join(this.dir, 'server.log');
  }

  /** A URL to `database` as `user` with `password` over TCP. */
  url(user: string, password: string, database = 'postgres'): string {
    return `postgres://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${this.port}/${database}`;
  }

  get ownerUrl(): string {
    return this.url('postgres', this.ownerPassword);
  }

  async start(): Promise<void> {
    const pwfile = join(this.dir, 'owner-password');
    writeFileSync(pwfile, `${this.ownerPassword}\n`);
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    for (const path of [this.dir, pwfile]) chownSync(path, uid, gid);
    this.asPostgres('initdb', ['-D', this.data, '-U', 'postgres', '-E', 'UTF8', '--auth-local=trust', '--auth-host=scram-sha-256', `--pwfile=${pwfile}`]);
    this.port = await freePort();
    const options = `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c log_statement=all`;
    this.asPostgres('pg_ctl', ['-D', this.data, '-o', options, '-l', this.logFile, '-w', 'start']);
  }

  async stop(): Promise<void> {
    if (existsSync(join(this.data, 'postmaster.pid'))) this.asPostgres('pg_ctl', ['-D', this.data, '-m', 'immediate', '-w', 'stop']);
    rmSync(this.dir, { recursive: true, force: true });
  }

  serverLog(): string {
    return readFileSync(this.logFile, 'utf8');
  }

  private asPostgres(program: string, args: string[]): void {
    execFileSync('setpriv', ['--reuid', 'postgres', '--regid', 'postgres', '--clear-groups', join(serverBinDir(), program), ...args], { stdio: 'pipe' });
  }
}

/** /usr/lib/postgresql/<newest>/bin, where Debian's server package puts initdb and pg_ctl. */
function serverBinDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))) : [];
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  if (newest === undefined) throw new Error(`no PostgreSQL server binaries (initdb) under ${root}: install the postgresql package`);
  return join(root, newest, 'bin');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
