import { expect } from 'chai';
import { Redis } from 'ioredis';
import { Coordinator } from '../../src/shared/coordinator/coordinator.js';
import { smoothedRate, RATE_WINDOW_SECONDS } from '../../src/operations/status/etaModel.js';
import { TEST_REDIS_URL, uniqueName } from '../helpers/isolation.js';

/** The ETA's rate series as the coordinator keeps it (real Redis, own key prefix, a clock the test moves). */
describe('ETA: the throughput series from the coordinator', () => {
  const prefix = `${uniqueName('tmeta')}:`;
  let redis: Redis;
  const start = 1_800_000_000_000;
  let clock = start;
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

  it('gives whole seconds only, oldest first, and the smoothed rate of ranges finishing every 2 s', async () => {
    let rangeId = 0;
    // 60 s of a 300-track range every 2 s (150 tracks/s), reported in the middle of each second.
    for (let second = 1; second <= 60; second += 2) {
      clock = start + second * 1000 + 500;
      await coordinator.recordRange(1, { rangeId: ++rangeId, outcome: 'done', converted: 290, failed: 5, skipped: 5 });
    }
    clock = start + 61_000 + 200;
    // A range finished in the current second: not in the series until the second is whole.
    await coordinator.recordRange(1, { rangeId: rangeId + 1, outcome: 'done', converted: 300, failed: 0, skipped: 0 });
    const series = await coordinator.throughputSeries(1, RATE_WINDOW_SECONDS);
    expect(series.endSecond).to.equal(start / 1000 + 60);
    expect(series.tracks).to.have.length(RATE_WINDOW_SECONDS);
    expect(series.tracks.slice(-4)).to.deep.equal([300, 0, 300, 0]);
    expect(series.tracks.reduce((a, b) => a + b, 0)).to.equal(30 * 300);
    const running = (second: number) => second >= start / 1000;
    expect(smoothedRate(series, running).tracksPerSecond).to.be.closeTo(150, 0.5);
  });
});
