import { BackupError } from './errors.js';
import { databaseName } from '../shared/db/pool.js';

/**
 * The connection of a DATABASE_URL as libpq environment variables, for the PostgreSQL client tools. Nothing of
 * it goes into argv: every local user can read a process's argv (`ps`), only its owner its environment.
 */

/** libpq's variable for each connection parameter a URL may carry in its query string. */
const VARIABLE_OF_PARAMETER: Readonly<Record<string, string>> = {
  host: 'PGHOST', hostaddr: 'PGHOSTADDR', port: 'PGPORT', dbname: 'PGDATABASE', user: 'PGUSER', password: 'PGPASSWORD',
  passfile: 'PGPASSFILE', channel_binding: 'PGCHANNELBINDING', service: 'PGSERVICE', options: 'PGOPTIONS',
  application_name: 'PGAPPNAME', connect_timeout: 'PGCONNECT_TIMEOUT', client_encoding: 'PGCLIENTENCODING',
  sslmode: 'PGSSLMODE', requiressl: 'PGREQUIRESSL', sslcompression: 'PGSSLCOMPRESSION', sslcert: 'PGSSLCERT', sslkey: 'PGSSLKEY',
  sslrootcert: 'PGSSLROOTCERT', sslcrl: 'PGSSLCRL', sslcrldir: 'PGSSLCRLDIR', sslsni: 'PGSSLSNI', requirepeer: 'PGREQUIREPEER',
  ssl_min_protocol_version: 'PGSSLMINPROTOCOLVERSION', ssl_max_protocol_version: 'PGSSLMAXPROTOCOLVERSION',
  gssencmode: 'PGGSSENCMODE', krbsrvname: 'PGKRBSRVNAME', gsslib: 'PGGSSLIB', target_session_attrs: 'PGTARGETSESSIONATTRS',
  load_balance_hosts: 'PGLOADBALANCEHOSTS',
};

/** node-postgres's own `ssl=true|false`, which libpq does not know, in libpq's terms. */
function sslModeOf(value: string): string {
  return /^(true|1|on)$/i.test(value) ? 'require' : 'disable';
}

/**
 * libpq variables for `databaseUrl` (optionally another database on the same server). A query parameter
 * libpq has no variable for (e.g. `sslpassword`, `keepalives`) is refused rather than put on the command line.
 */
export function libpqEnvironment(databaseUrl: string, database = databaseName(databaseUrl)): Record<string, string> {
  const url = new URL(databaseUrl);
  const env: Record<string, string> = { PGDATABASE: database };
  const host = decodeURIComponent(url.hostname).replace(/^\[(.*)\]$/, '$1');
  if (host) env.PGHOST = host;
  if (url.port) env.PGPORT = url.port;
  if (url.username) env.PGUSER = decodeURIComponent(url.username);
  if (url.password) env.PGPASSWORD = decodeURIComponent(url.password);
  for (const [parameter, value] of url.searchParams) {
    if (parameter === 'ssl') {
      env.PGSSLMODE ??= sslModeOf(value);
      continue;
    }
    const variable = VARIABLE_OF_PARAMETER[parameter];
    if (!variable) {
      throw new BackupError(`DATABASE_URL parameter "${parameter}" has no libpq environment variable, and the PostgreSQL client tools ` +
        'would show it on their command line (visible in ps) — remove it from DATABASE_URL for backups and restores');
    }
    // The URL's database stays the one asked for (a restore targets its staging database).
    if (variable !== 'PGDATABASE') env[variable] = value;
  }
  return env;
}
