import { expect } from 'chai';
import { Redis } from 'ioredis';
import { Coordinator } from '../../src/shared/coordinator/coordinator.js';
import { TEST_REDIS_URL, uniqueName } from '../helpers/isolation.js';

describe('coordinator (real Redis, own key prefix)', () => {
  const prefix = `${uniqueName('tmcoord')}:`;
  let redis: Redis;
  let clock = 1_800_000_000_000;
  let coordinator: Coordinator;

  before(() => {
    redis = new Redis(TEST_REDIS_URL);
    coordinator = new Coordinator(redis, prefix, () => clock);
  });
  after(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });

  it('counts a range once however often it is reported', async () => {
    const report = { rangeId: 1, outcome: 'done' as const, converted: 90, failed: 5, skipped: 5 };
    expect(await coordinator.recordRange(1, report)).to.equal(true);
    expect(await coordinator.recordRange(1, report)).to.equal(false);
    await Promise.all([1, 2, 3].map(() => coordinator.recordRange(1, { ...report, rangeId: 2 })));
    expect(await coordinator.counters(1)).to.deep.equal({ rangesDone: 2, rangesFailed: 0, converted: 180, failed: 10, skipped: 10 });
  });

  it('rebuilds lost counters from the ledger without double counting, and marks them built', async () => {
    await coordinator.resetCounters(1);
    expect((await coordinator.progress(1)).built).to.equal(false);
    const ledger = [1, 2, 3].map((rangeId) => ({ rangeId, state: 'done' as const, plannedRows: 100, endId: rangeId * 100, converted: 90, failed: 5, skipped: 5 }));
    const open = { rangeId: 4, state: 'open' as const, plannedRows: 50, endId: 400, converted: 0, failed: 0, skipped: 0 };
    const epoch = await coordinator.rebuildEpoch(1);
    expect(await coordinator.rebuildFromLedger(1, epoch, [...ledger, open])).to.equal(3);
    expect(await coordinator.rebuildFromLedger(1, epoch, [...ledger, open])).to.equal(0);
    expect(await coordinator.counters(1)).to.deep.equal({ rangesDone: 3, rangesFailed: 0, converted: 270, failed: 15, skipped: 15 });
    expect(await coordinator.progress(1)).to.deep.equal({ built: true, progress: { rangesDone: 3, rangesFailed: 0, converted: 270, failed: 15,
      skipped: 15, plannedRanges: 4, plannedRows: 350, finishedRows: 300, plannedThroughId: 400, plannedLastRangeId: 4 } });
  });

  it('refuses a rebuild that read the ledger before the counters were reset', async () => {
    const epoch = await coordinator.rebuildEpoch(5);
    await coordinator.resetCounters(5);
    const stale = [{ rangeId: 1, state: 'failed' as const, plannedRows: 10, endId: 10, converted: 0, failed: 0, skipped: 0 }];
    expect(await coordinator.rebuildFromLedger(5, epoch, stale)).to.equal(-1);
    expect(await coordinator.progress(5)).to.include({ built: false });
    expect(await coordinator.counters(5)).to.equal(undefined);
  });

  it('measures throughput over the seconds the job has run', async () => {
    await coordinator.recordRange(2, { rangeId: 1, outcome: 'done', converted: 100, failed: 0, skipped: 0 });
    clock += 9000;
    await coordinator.recordRange(2, { rangeId: 2, outcome: 'done', converted: 100, failed: 0, skipped: 0 });
    expect(await coordinator.throughput(2)).to.equal(20);
  });

  it('reports consumers alive until their heartbeat is older than the TTL', async () => {
    await coordinator.heartbeat({ consumerId: 'c1', host: 'h', pid: 1, rangesDone: 3, currentRanges: ['2:5'], startedAt: 'x' }, 5);
    expect((await coordinator.consumers(5)).map((c) => [c.consumerId, c.alive])).to.deep.equal([['c1', true]]);
    clock += 6000;
    expect((await coordinator.consumers(5)).map((c) => [c.consumerId, c.alive])).to.deep.equal([['c1', false]]);
  });

  it('keeps the latest row errors in a capped stream', async () => {
    await coordinator.recordErrors(3, [{ trackId: 7, code: 'invalid_json', key: null, message: 'm1' }, { trackId: 8, code: 'invalid_value', key: 'energy', message: 'm2' }]);
    expect(await coordinator.recentErrors(3, 1)).to.deep.equal([{ trackId: 8, code: 'invalid_value', key: 'energy', message: 'm2' }]);
  });
});
