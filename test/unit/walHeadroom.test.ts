import { expect } from 'chai';
import { WAL_BYTES_PER_TRACK, walBetweenCheckpoints, walHeadroomNote } from '../../src/operations/walHeadroom.js';
import { latencyFigures, parsePgbenchLog } from '../../tools/bench/live/workload.js';

const defaults = { maxWalSizeBytes: 2 ** 30, checkpointCompletionTarget: 0.9 };

describe('WAL headroom of a backfill', () => {
  it('knows what max_wal_size allows between checkpoints started by WAL volume', () => {
    expect(Math.round(walBetweenCheckpoints(defaults) / 2 ** 20)).to.equal(539);
  });

  it('says nothing for a job that fits, and names the setting and a size for one that does not', () => {
    const fits = Math.floor(walBetweenCheckpoints(defaults) / WAL_BYTES_PER_TRACK);
    expect(walHeadroomNote(fits, defaults)).to.equal(null);
    const note = walHeadroomNote(300_000, defaults);
    expect(note).to.match(/^NOTE: this job will write about 772 MB of WAL \(2700 bytes a track × 300000 tracks\), more than max_wal_size 1024 MB allows between checkpoints \(539 MB\): expect about 1 checkpoint/);
    expect(note).to.match(/Raise max_wal_size to about 2GB for the job/);
    expect(walHeadroomNote(300_000, { ...defaults, maxWalSizeBytes: 2 * 2 ** 30 }), 'raised as advised: fits').to.equal(null);
    expect(walHeadroomNote(100_000_000, defaults), 'a job too large to fit').to.match(/as far as the disk of pg_wal allows \(the whole job would need about 598GB\)/);
  });
});

describe('bench:live reading pgbench\'s log', () => {
  it('takes latency, script and end time per transaction; a failed one has no latency', () => {
    const log = ['0 1 1500 0 1700000000 250000 120', '1 1 25000 1 1700000001 0 0', '0 2 failed 2 1700000001 500000 0', 'garbage'].join('\n');
    const t = parsePgbenchLog(log);
    expect(t).to.deep.equal([
      { endMs: 1700000000250, latencyMs: 1.5, script: 'read' },
      { endMs: 1700000001000, latencyMs: 25, script: 'play' },
      { endMs: 1700000001500, latencyMs: null, script: 'insert' },
    ]);
    const all = latencyFigures(t, 1700000000000, 1700000002000);
    expect(all).to.include({ transactions: 3, failed: 1, tps: 1.5, p50: 1.5, p99: 25, max: 25 });
    expect(latencyFigures(t, 1700000000000, 1700000002000, ['read'])).to.include({ transactions: 1, p99: 1.5 });
  });
});
