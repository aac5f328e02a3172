import { expect } from 'chai';
import { retryQueueTtlMs } from '../../src/shared/amqp/topology.js';
import { lockRetryBackoffMs } from '../../src/schema/locks.js';

/** Two different waits, named for what they compute, both taking (attempt, baseMs). */
describe('retry waits', () => {
  it('a range\'s retry queue TTL grows four times per attempt', () => {
    expect([1, 2, 3].map((attempt) => retryQueueTtlMs(attempt, 200))).to.deep.equal([200, 800, 3200]);
  });

  it('a schema step\'s lock retry backoff doubles per attempt, capped at 30 s', () => {
    expect([1, 2, 3].map((attempt) => lockRetryBackoffMs(attempt, 50))).to.deep.equal([50, 100, 200]);
    expect(lockRetryBackoffMs(20, 50)).to.equal(30_000);
  });
});
