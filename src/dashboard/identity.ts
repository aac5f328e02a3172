import { databaseName } from '../shared/db/pool.js';
import { redactText } from '../shared/redact.js';
import { TOOL_VERSION } from '../shared/version.js';

/** Which fleet and database the page shows, for its header: never a user name or password. */
export interface FleetIdentity {
  namespace: string;
  /** `host:port` of the ledger's PostgreSQL server. */
  databaseHost: string;
  databaseName: string;
  version: string;
}

export function fleetIdentity(namespace: string, databaseUrl: string): FleetIdentity {
  let host = 'unknown';
  let name = 'unknown';
  try {
    // Only the host and the path are taken from the URL: its user and password never reach the page.
    const url = new URL(databaseUrl);
    host = url.port ? `${url.hostname}:${url.port}` : url.hostname;
    name = databaseName(databaseUrl);
  } catch {
    // Validated at start-up, so not reached; 'unknown' rather than any part of a URL that did not parse.
  }
  // A host or database name is not a secret, but a `user:password@` pasted where the host goes would be.
  return { namespace, databaseHost: redactText(host), databaseName: redactText(name), version: TOOL_VERSION };
}
