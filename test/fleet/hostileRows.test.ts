import { expect } from 'chai';
import { runCli } from '../helpers/cli.js';
import { FleetHarness } from './fleetHarness.js';
import { expectDatabaseMatchesConversion } from './expectedState.js';

/** Legacy rows built to hurt: each becomes a row error or converts safely, and never fails its range. */
describe('backfill fleet: hostile legacy rows', function () {
  this.timeout(120_000);
  const fleet = new FleetHarness();
  const limit = 1024 * 1024;
  fleet.extraEnv = { CONVERSION_MAX_BLOB_BYTES: String(limit) };
  after(() => fleet.tearDown());

  it('too large, deeply nested, BOM, __proto__ keys, lone surrogates: reported or converted, the rest written', async () => {
    await fleet.setUp(2000);
    const rows: [number, string][] = [
      [5001, JSON.stringify({ energy: 0.5, padding: 'x'.repeat(50 * 1024 * 1024) })],
      [5002, `${'['.repeat(100_000)}${']'.repeat(100_000)}`],
      [5003, `{"energy": 0.4, "version": ${'['.repeat(100_000)}${']'.repeat(100_000)}}`],
      [5004, '\ufeff{"energy": 0.3}'],
      [5005, '{"__proto__": {"energy": 5, "polluted": true}, "constructor": {"prototype": 1}, "energy": 0.2}'],
      [5006, '{"energy": 0.6, "version": "\\ud800"}'],
      [5007, '{"energy": 0.6, "tempo_confidence": {"\\udfff": 1}}'],
      [5008, '{"energy": 0.7, "noise": {"\\u0000": "\\ud800"}}'],
    ];
    for (const [id, blob] of rows) {
      await fleet.pool.query(`INSERT INTO tracks (id, file_path, analysis_data, created_at) VALUES ($1, $2, $3, now())`, [id, `/music/hostile-${id}.flac`, blob]);
    }
    fleet.start(['producer']);
    const consumer = fleet.start(['consumer']);
    const enqueued = await runCli(['backfill', 'enqueue', '--range-size', '500', '--json'], { env: fleet.env() });
    const jobId = (JSON.parse(enqueued.stdout) as { jobId: number }).jobId;
    expect(await fleet.waitForJobEnd(jobId)).to.equal('completed');
    await expectDatabaseMatchesConversion(fleet.pool, jobId, '2024.1', limit);
    const { rows: errors } = await fleet.pool.query<{ track_id: number; code: string }>(
      `SELECT track_id::int, code FROM backfill_errors WHERE job_id = $1 AND track_id > 5000 ORDER BY track_id`, [jobId]);
    expect(Object.fromEntries(errors.map((e) => [e.track_id, e.code]))).to.deep.equal({
      5001: 'too_large', 5002: 'not_an_object', 5003: 'unstorable', 5004: 'invalid_json', 5006: 'unstorable', 5007: 'unstorable',
    });
    const proto = await fleet.pool.query(`SELECT energy_level FROM tracks WHERE id = 5005`);
    expect(proto.rows[0].energy_level).to.equal(0.2);
    expect(({} as Record<string, unknown>).polluted).to.equal(undefined);
    expect(consumer.exitCode, 'the consumer kept going').to.equal(null);
  });
});
