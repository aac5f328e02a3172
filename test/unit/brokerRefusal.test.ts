import { expect } from 'chai';
import { BrokerRefusedError, asBrokerRefusal, classifyBrokerError } from '../../src/shared/amqp/brokerRefusal.js';
import { classifyError } from '../../src/shared/classifyError.js';
import { ExitCode } from '../../src/shared/exitCodes.js';
import { retryQueueTtlMs } from '../../src/shared/amqp/topology.js';
import { fleetNames, RETRY_QUEUE_SLOTS } from '../../src/shared/names.js';

/** An error as amqplib builds it from a close frame: the message, the reply code, the refused method. */
function amqpError(message: string, fields: { code?: number; classId?: number; methodId?: number } = {}): Error {
  return Object.assign(new Error(message), fields);
}

const URL_WITH_SECRET = 'amqp://fleet:s3cret-pw@rabbit.internal:5672/music%2Fprod';

// Texts as RabbitMQ 3.10 sends them through amqplib 2.x (see the fleet test brokerRefusals.test.ts for the real ones).
const TTL_MISMATCH = amqpError('Operation failed: QueueDeclare; 406 (PRECONDITION-FAILED) with message "PRECONDITION_FAILED - ' +
  'inequivalent arg \'x-message-ttl\' for queue \'ns.backfill.retry.1\' in vhost \'/\': received \'200\' but current is \'100\'"',
{ code: 406, classId: 50, methodId: 10 });
const ACK_TIMEOUT = amqpError('Channel closed by server: 406 (PRECONDITION-FAILED) with message "PRECONDITION_FAILED - ' +
  'delivery acknowledgement on channel 1 timed out. Timeout value used: 1800000 ms."', { code: 406, classId: 0, methodId: 0 });
const NO_CONFIGURE = amqpError('Operation failed: QueueDeclare; 403 (ACCESS-REFUSED) with message "ACCESS_REFUSED - access to ' +
  'queue \'ns.backfill.dead\' in vhost \'v2\' refused for user \'noperm\'"', { code: 403, classId: 50, methodId: 10 });
const LOGIN = amqpError('Handshake terminated by server: 403 (ACCESS-REFUSED) with message "ACCESS_REFUSED - Login was refused ' +
  'using authentication mechanism PLAIN. For details see the broker logfile."');
const VHOST = amqpError('Expected ConnectionOpenOk; got <ConnectionClose channel:0>');

describe('broker refusals: what reconnecting cannot fix', () => {
  it('a declaration with other arguments names the queue, the argument and how to delete it', () => {
    const refusal = classifyBrokerError(TTL_MISMATCH);
    expect(refusal?.kind).to.equal('declaration_mismatch');
    expect(refusal?.message).to.contain('queue ns.backfill.retry.1').and.contain("inequivalent arg 'x-message-ttl'")
      .and.contain('rabbitmqadmin delete queue name=ns.backfill.retry.1').and.contain('once it is empty');
  });

  it('an exchange declared with another type is a declaration mismatch too', () => {
    const err = amqpError('Operation failed: ExchangeDeclare; 406 (PRECONDITION-FAILED) with message "PRECONDITION_FAILED - ' +
      'inequivalent arg \'type\' for exchange \'ns.backfill\' in vhost \'/\': received \'fanout\' but current is \'direct\'"',
    { code: 406, classId: 40, methodId: 10 });
    expect(classifyBrokerError(err)?.message).to.contain('exchange ns.backfill').and.contain('delete exchange name=ns.backfill');
  });

  it('a 406 that is no declaration (the ack timeout, a full queue on if-empty delete) stays transient', () => {
    expect(classifyBrokerError(ACK_TIMEOUT)).to.equal(undefined);
    const notEmpty = amqpError('Operation failed: QueueDelete; 406 (PRECONDITION-FAILED) with message "PRECONDITION_FAILED - ' +
      'queue \'q\' in vhost \'/\' not empty"', { code: 406, classId: 50, methodId: 40 });
    expect(classifyBrokerError(notEmpty)).to.equal(undefined);
  });

  it('a missing permission names the user, the resource and the vhost', () => {
    const refusal = classifyBrokerError(NO_CONFIGURE, URL_WITH_SECRET);
    expect(refusal?.kind).to.equal('access_refused');
    expect(refusal?.message).to.contain("user 'noperm'").and.contain('queue ns.backfill.dead').and.contain('set_permissions -p v2 noperm');
  });

  it('a refused login names the user of RABBITMQ_URL, never its password', () => {
    const refusal = classifyBrokerError(LOGIN, URL_WITH_SECRET);
    expect(refusal?.kind).to.equal('login_refused');
    expect(refusal?.message).to.contain("user 'fleet'").and.not.contain('s3cret');
  });

  it('a refused vhost names the decoded vhost and the user, and says how to create or grant it', () => {
    const refusal = classifyBrokerError(VHOST, URL_WITH_SECRET);
    expect(refusal?.kind).to.equal('vhost_refused');
    expect(refusal?.message).to.contain("vhost 'music/prod'").and.contain("user 'fleet'").and.contain('rabbitmqctl add_vhost music/prod')
      .and.not.contain('s3cret');
    expect(classifyBrokerError(VHOST, 'amqp://localhost')?.message).to.contain("vhost '/' for user 'guest'");
  });

  it('what reconnecting can fix is no refusal', () => {
    for (const err of [
      amqpError('Connection closed: 320 (CONNECTION-FORCED) with message "CONNECTION_FORCED - broker forced connection closure with reason \'shutdown\'"', { code: 320 }),
      amqpError('Connection closed: 541 (INTERNAL-ERROR) with message "INTERNAL_ERROR"', { code: 541 }),
      amqpError('Heartbeat timeout'),
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5672'), { code: 'ECONNREFUSED' }),
      amqpError('Socket closed abruptly during opening handshake'),
      undefined,
    ]) expect(classifyBrokerError(err), String(err)).to.equal(undefined);
  });

  it('a refusal ends a command with exit 76 and is never retried', () => {
    const err = asBrokerRefusal(TTL_MISMATCH);
    expect(err).to.be.instanceOf(BrokerRefusedError);
    expect(classifyError(err)).to.deep.equal({ code: 'broker_refused', exitCode: ExitCode.brokerRefused, transient: false });
    expect(ExitCode.brokerRefused).to.equal(76);
    expect(asBrokerRefusal(ACK_TIMEOUT)).to.equal(ACK_TIMEOUT);
  });
});

describe('retry queues: names and waits that no setting changes', () => {
  it('every attempt maps to one of the fixed retry queues, none of which is named like an earlier version\'s', () => {
    const names = fleetNames('ns');
    expect(names.retryQueues).to.have.length(RETRY_QUEUE_SLOTS);
    expect(names.retryQueue(1)).to.equal('ns.backfill.delay.1');
    expect(names.retryQueue(99)).to.equal(names.retryQueues[RETRY_QUEUE_SLOTS - 1]);
    expect(names.legacyRetryQueues).to.include('ns.backfill.retry.1').and.include('ns.backfill.retry.99');
    for (const queue of names.retryQueues) expect(names.legacyRetryQueues).not.to.include(queue);
  });

  it('a TTL stays within what RabbitMQ accepts however many attempts there are', () => {
    expect(retryQueueTtlMs(99, 3_600_000)).to.equal(2 ** 31 - 1);
  });
});
