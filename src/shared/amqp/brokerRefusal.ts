import { TracktionError, errorCode, errorMessage } from '../errors.js';
import { ExitCode } from '../exitCodes.js';

/**
 * Refusals of RabbitMQ that reconnecting cannot fix: the same request is refused again until an operator acts.
 * - `declaration_mismatch`: 406 PRECONDITION_FAILED on queue.declare / exchange.declare — the queue or exchange
 *   exists with other arguments or another type (arguments are part of its identity).
 * - `access_refused`: 403 ACCESS_REFUSED on an operation — the user lacks a permission on a resource of the vhost.
 * - `login_refused`: 403 ACCESS_REFUSED during the handshake — unknown user or wrong password.
 * - `vhost_refused`: 530 NOT_ALLOWED on connection.open — the vhost does not exist or the user may not use it.
 * Everything else (connection refused, 320 CONNECTION_FORCED on a broker restart or close_all_connections, 541,
 * a heartbeat timeout, a 406 on an ack) is worth reconnecting for.
 */
export type BrokerRefusalKind = 'declaration_mismatch' | 'access_refused' | 'login_refused' | 'vhost_refused';

export interface BrokerRefusal {
  kind: BrokerRefusalKind;
  /** What was refused and what to do, for one line on stderr. Names the user and vhost, never the password. */
  message: string;
}

/** AMQP class and method ids of the declarations whose 406 means "exists with other arguments". */
const EXCHANGE_DECLARE = '40.10';
const QUEUE_DECLARE = '50.10';

/** The broker's own text: amqplib wraps it as `… with message "<text>"`. */
function brokerText(message: string): string {
  return /with message "(.*)"\s*$/s.exec(message)?.[1] ?? message;
}

/**
 * What amqplib reports, as seen on RabbitMQ 3.10 with amqplib 2.x:
 * - a refused operation rejects with (and the channel emits 'error' with) an Error whose `code` is the reply code
 *   and `classId`/`methodId` the refused method: "Operation failed: QueueDeclare; 406 (PRECONDITION-FAILED) with
 *   message "PRECONDITION_FAILED - inequivalent arg 'x-message-ttl' for queue 'q' in vhost '/': received '200' but
 *   current is '100'"";
 * - a refused login: "Handshake terminated by server: 403 (ACCESS-REFUSED) with message "ACCESS_REFUSED - Login
 *   was refused …"" (no `code`);
 * - a refused vhost (missing, or no permission on it): "Expected ConnectionOpenOk; got <ConnectionClose channel:0>"
 *   — amqplib drops the broker's 530 text (amqp-node/amqplib#602), so both causes get one advice.
 * `url` (RABBITMQ_URL) lends the user and vhost to the advice; its password is never read.
 */
export function classifyBrokerError(err: unknown, url?: string): BrokerRefusal | undefined {
  const message = errorMessage(err);
  const code = errorCode(err);
  const { user, vhost } = identityOf(url);
  if (/Handshake terminated by server: 403|ACCESS_REFUSED - Login was refused/.test(message)) {
    return { kind: 'login_refused', message: `RabbitMQ refused the login of user '${user}' (403 ACCESS_REFUSED: unknown user or wrong ` +
      `password) — fix the user and password in RABBITMQ_URL, or create the user (rabbitmqctl add_user ${user} <password>)` };
  }
  if (/Expected ConnectionOpenOk; got <ConnectionClose|Handshake terminated by server: 530/.test(message) ||
      (code === '530' && /vhost/i.test(message))) {
    return { kind: 'vhost_refused', message: `RabbitMQ refused to open vhost '${vhost}' for user '${user}' (530 NOT_ALLOWED: the ` +
      `vhost does not exist, or the user has no permissions on it) — create it (rabbitmqctl add_vhost ${vhost}) and grant ` +
      `the user permissions on it (rabbitmqctl set_permissions -p ${vhost} ${user} <configure> <write> <read>), ` +
      `or fix the vhost in RABBITMQ_URL (its path; none means '/')` };
  }
  if (code === '403') return { kind: 'access_refused', message: accessRefused(brokerText(message), user) };
  if (code === '406' && isDeclaration(err)) return { kind: 'declaration_mismatch', message: declarationMismatch(brokerText(message)) };
  return undefined;
}

function isDeclaration(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const { classId, methodId } = err as { classId?: unknown; methodId?: unknown };
  return [EXCHANGE_DECLARE, QUEUE_DECLARE].includes(`${String(classId)}.${String(methodId)}`);
}

function declarationMismatch(text: string): string {
  const [, kind = 'queue', name = '?'] = /\b(queue|exchange) '([^']*)'/.exec(text) ?? [];
  const how = kind === 'queue'
    ? `rabbitmqadmin delete queue name=${name}, or the management UI's Queues tab`
    : `rabbitmqadmin delete exchange name=${name}, or the management UI's Exchanges tab`;
  return `RabbitMQ refused to declare ${kind} ${name}: it exists with other arguments (${text}) — it was declared by ` +
    `another version or with other settings. Delete it (${how}) once it is empty, then start again; a range whose ` +
    `message goes with it stays open in the ledger and \`tracktion-migrate backfill resume-lost\` republishes it`;
}

function accessRefused(text: string, fallbackUser: string): string {
  const found = /access to (\w+) '([^']*)' in vhost '([^']*)' refused for user '([^']*)'/.exec(text);
  const [, kind, name, vhost, user = fallbackUser] = found ?? [];
  const what = found ? `${kind} ${name} in vhost '${vhost}'` : 'a queue or exchange of the fleet';
  return `RabbitMQ user '${user}' may not use ${what} (403 ACCESS_REFUSED: ${text}) — grant it configure, write ` +
    `and read permissions that cover the namespace's queues and exchanges (rabbitmqctl set_permissions -p ` +
    `${vhost ?? '<vhost>'} ${user} <configure> <write> <read>)`;
}

/** User and vhost of RABBITMQ_URL, as amqplib uses them (guest and '/' when absent). */
function identityOf(url: string | undefined): { user: string; vhost: string } {
  try {
    const u = new URL(url ?? '');
    const path = u.pathname.replace(/^\//, '');
    return { user: decodeURIComponent(u.username) || 'guest', vhost: path ? decodeURIComponent(path) : '/' };
  } catch {
    return { user: '<user of RABBITMQ_URL>', vhost: '<vhost of RABBITMQ_URL>' };
  }
}

/** RabbitMQ refused something reconnecting cannot fix: the process ends with exit 76 and the advice. */
export class BrokerRefusedError extends TracktionError {
  override readonly exitCode = ExitCode.brokerRefused;
  constructor(readonly kind: BrokerRefusalKind, message: string, options?: { cause?: unknown }) {
    super('broker_refused', message, options);
  }
}

/** The refusal as a BrokerRefusedError; anything else (transient, or already classified) unchanged. */
export function asBrokerRefusal(err: unknown, url?: string): unknown {
  if (err instanceof BrokerRefusedError) return err;
  const refusal = classifyBrokerError(err, url);
  return refusal ? new BrokerRefusedError(refusal.kind, refusal.message, { cause: err }) : err;
}
