import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import pg from 'pg';
import type { UpgradeRound, UpgradeSummary } from '../../tools/bench/upgrade/report.js';
import { runScript } from '../helpers/cli.js';
import { ADMIN_DATABASE_URL, testEnv, uniqueName } from '../helpers/isolation.js';

const BENCH = fileURLToPath(new URL('../../tools/bench/upgrade/main.js', import.meta.url));

async function databasesNamed(prefix: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: ADMIN_DATABASE_URL });
  await client.connect();
  try {
    const { rows } = await client.query<{ datname: string }>('SELECT datname FROM pg_database WHERE starts_with(datname, $1)', [prefix]);
    return rows.map((r) => r.datname);
  } finally {
    await client.end();
  }
}

describe('npm run bench:upgrade (a whole upgrade, the tool against Alembic + in-database SQL)', function () {
  this.timeout(180_000);
  const dir = mkdtempSync(join(tmpdir(), 'tm-bench-upgrade-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('upgrades copies of one Alembic-built library both ways, converts the same tracks, leaves every index valid and drops its databases', async () => {
    const database = uniqueName('tm_upb');
    const out = join(dir, 'upgrade.json');
    const result = await runScript(BENCH, ['--tracks', '3000', '--repeat', '1', '--consumers', '1', '--range-size', '500', '--database', database, '--json-out', out],
      { env: testEnv({ DATABASE_URL: ADMIN_DATABASE_URL }) });
    expect(result.code, result.stderr).to.equal(0);
    const report = JSON.parse(readFileSync(out, 'utf8')) as { rounds: UpgradeRound[]; summary: UpgradeSummary };
    expect(report.rounds.map((r) => r.method)).to.deep.equal(['reference', 'fleet']);
    const [reference, fleet] = report.rounds as [UpgradeRound, UpgradeRound];
    // The demo seed leaves about 5 % of tracks without convertible legacy data: both methods skip the same ones.
    expect(reference.converted).to.be.within(2700, 3000);
    expect(fleet.converted).to.equal(reference.converted);
    expect(reference.phases.map((p) => p.name)).to.deep.equal(['migrate (alembic upgrade head)', 'backfill (in-database SQL, 2 sessions)']);
    expect(fleet.phases.map((p) => p.name)).to.deep.equal(['migrate (db migrate --defer-indexes)', 'backfill (fleet job, enqueue to completed)', 'build indexes (db build-indexes)']);
    for (const round of report.rounds) {
      expect(round.indexes.invalid, round.method).to.equal(0);
      expect(round.phases.every((p) => p.seconds > 0), round.method).to.equal(true);
      expect(round.serverCpuSeconds, round.method).to.be.a('number').and.greaterThan(0);
    }
    // The tool's schema has the history table's unique key on top of Alembic's indexes.
    expect(fleet.indexes.valid).to.equal(reference.indexes.valid + 1);
    expect(report.summary.speedup).to.be.greaterThan(0);
    expect(result.stdout).to.match(/whole upgrade: the tool is \d+\.\d\d× as fast as the reference/);
    expect(await databasesNamed(database)).to.deep.equal([]);
  });
});
