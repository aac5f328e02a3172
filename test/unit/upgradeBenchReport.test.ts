import { expect } from 'chai';
import { formatSummary, summarize, type UpgradeMethod, type UpgradeRound } from '../../tools/bench/upgrade/report.js';

function round(method: UpgradeMethod, n: number, seconds: number, cpu: { backfill: number | null; server: number | null }): UpgradeRound {
  const phases = method === 'reference'
    ? [{ name: 'migrate (alembic upgrade head)', seconds: 1 }, { name: 'backfill (in-database SQL, 2 sessions)', seconds: seconds - 1 }]
    : [{ name: 'migrate (db migrate --defer-indexes)', seconds: 0.5 }, { name: 'backfill (fleet job)', seconds: seconds - 2 },
      { name: 'build indexes (db build-indexes)', seconds: 1.5 }];
  return { method, round: n, phases, seconds, converted: 500_000, backfillBackendCpuSeconds: cpu.backfill,
    serverCpuSeconds: cpu.server, indexes: { valid: 10, invalid: 0 }, ...(method === 'fleet' ? { fleetStartSeconds: 1.7 } : {}) };
}

describe('bench:upgrade report', () => {
  const rounds = [
    round('reference', 1, 40, { backfill: 40, server: 50 }), round('fleet', 1, 30, { backfill: 30, server: 40 }),
    round('reference', 2, 50, { backfill: 42, server: 52 }), round('fleet', 2, 33, { backfill: 28, server: 36 }),
    round('reference', 3, 44, { backfill: 44, server: 54 }), round('fleet', 3, 35, { backfill: 26, server: 38 }),
  ];

  it('compares the median rounds of the whole upgrade, and CPU per million converted tracks', () => {
    const s = summarize(rounds);
    expect(s.median.reference.seconds).to.equal(44);
    expect(s.median.fleet.seconds).to.equal(33);
    expect(s.speedup).to.equal(1.33);
    // Medians of each round's per-million figure: reference 84, fleet 56 (backfill); 104 and 76 (server).
    expect(s.cpuPerMillion.reference).to.deep.equal({ backfillBackends: 84, server: 104 });
    expect(s.cpuPerMillion.fleet).to.deep.equal({ backfillBackends: 56, server: 76 });
    expect(s.cpuRatio).to.deep.equal({ backfillBackends: 0.67, server: 0.73 });
  });

  it('takes the lower of the two middle rounds of an even count', () => {
    const s = summarize(rounds.slice(0, 4));
    expect(s.median.reference.seconds).to.equal(40);
    expect(s.median.fleet.seconds).to.equal(30);
  });

  it('leaves CPU out (null, "-") where /proc could not be read, and prints every round', () => {
    const blind = rounds.map((r) => ({ ...r, backfillBackendCpuSeconds: null, serverCpuSeconds: null }));
    const s = summarize(blind);
    expect(s.cpuRatio).to.deep.equal({ backfillBackends: null, server: null });
    const text = formatSummary(blind, s);
    expect(text.split('\n').filter((line) => /^(reference|fleet) +\d/.test(line))).to.have.length(6);
    expect(text).to.contain('the tool is 1.33× as fast as the reference');
    expect(text).to.contain('backfill backends - s against - s = -×');
    expect(text).to.contain('fleet start-up, not counted (deployed before the upgrade): 1.70 / 1.70 / 1.70 s');
  });

  it('refuses to summarize without rounds of both methods', () => {
    expect(() => summarize(rounds.filter((r) => r.method === 'fleet'))).to.throw(/no rounds/);
  });
});
