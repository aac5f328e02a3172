import { expect } from 'chai';
import pg from 'pg';
import { allMigrations } from '../../migrations/index.js';
import { blobMd5, convertedParams, WRITE_CONVERTED_SQL, WRITE_FIRST_SQL, WRITE_FRESH_SQL, type ConvertedRow } from '../../src/consumers/rangeWriter.js';
import { seedDemoTracks } from '../../src/demo/seedDemo.js';
import { migrate } from '../../src/schema/migrator.js';
import { createLegacyConverter } from '../../src/shared/conversion/convert.js';
import { createTestDatabase, type TestDatabase } from '../helpers/isolation.js';
import { silentLogger } from './catalog.js';

interface PlanNode {
  'Node Type': string; 'Relation Name'?: string; 'Actual Rows': number; 'Actual Loops': number;
  'Rows Removed by Filter'?: number; 'Rows Removed by Index Recheck'?: number; Plans?: PlanNode[];
}

/**
 * Rows the plan read from `tracks` by scanning it (the UPDATE's own node excluded): every scan node's rows, kept
 * or removed by its filter, × its loops (PostgreSQL reports rows removed as the average per loop).
 */
function tracksRowsScanned(node: PlanNode): number {
  const read = node['Actual Rows'] + (node['Rows Removed by Filter'] ?? 0) + (node['Rows Removed by Index Recheck'] ?? 0);
  const own = node['Relation Name'] === 'tracks' && node['Node Type'] !== 'ModifyTable' ? read * node['Actual Loops'] : 0;
  return own + (node.Plans ?? []).reduce((sum, child) => sum + tracksRowsScanned(child), 0);
}

/**
 * A real library is analysed before `db migrate` adds the analysis columns: until autovacuum analyses the table
 * again, PostgreSQL has no statistics for them and guesses that almost no track lacks values. The range write
 * must still read only the range's own tracks (by primary key): a plan that scans every unconverted track for
 * each range (a hash join fed by the analysis index) made a backfill several times slower, and worse with size.
 */
describe('the range write reads only its own tracks, whatever the statistics say', function () {
  this.timeout(60_000);
  let db: TestDatabase;
  let pool: pg.Pool;
  before(async () => {
    db = await createTestDatabase('tm_write_plan');
    await migrate(db.url, { revisions: allMigrations, to: 'Baseline', logger: silentLogger });
    pool = new pg.Pool({ connectionString: db.url, max: 1 });
    await seedDemoTracks(pool, 20_000);
    await pool.query('ANALYZE tracks');
    // The analysis columns and their indexes come after the statistics, as in a library upgraded in place.
    await migrate(db.url, { revisions: allMigrations, logger: silentLogger });
  });
  after(async () => {
    await pool?.end();
    await db?.drop();
  });

  async function rangeInput(from: number, size: number): Promise<unknown[]> {
    const { rows } = await pool.query<{ id: number; analysis_data: string; read_xmin: string }>(
      `SELECT id::float8 AS id, analysis_data, xmin::text AS read_xmin FROM tracks
        WHERE id >= $1 AND analysis_data IS NOT NULL ORDER BY id LIMIT $2`, [from, size * 2]);
    const convert = createLegacyConverter({ analysisVersion: '2024.1', now: new Date() });
    const converted: ConvertedRow[] = [];
    for (const row of rows) {
      const outcome = convert(row.analysis_data);
      if (outcome.outcome === 'converted' && converted.length < size) {
        converted.push({ trackId: row.id, record: outcome.record, hadValues: false, read: { xmin: row.read_xmin, md5: blobMd5(row.analysis_data) } });
      }
    }
    return convertedParams(converted, { jobId: 1, rangeId: 1, analysisVersion: '2024.1', createdBy: 'backfill:1', processingTimeMs: 0 });
  }

  // $1–$5 for the writes without the snapshot probe; the probe's write also takes the job ($6), and reads each
  // track twice: once to snapshot it, once to update it.
  const writes = [['the first write of a fresh backfill', WRITE_FRESH_SQL, 5, 1], ['the write that skips tracks with history', WRITE_FIRST_SQL, 5, 1],
    ['the write with the snapshot probe', WRITE_CONVERTED_SQL, 6, 2]] as const;
  for (const [name, sql, parameters, readsPerTrack] of writes) {
    it(`${name}: 50 tracks written, at most ${50 * readsPerTrack} rows read from tracks`, async () => {
      const params = (await rangeInput(10_000, 50)).slice(0, parameters);
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const { rows } = await client.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(`EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`, params);
        const plan = (rows[0] as { 'QUERY PLAN': [{ Plan: PlanNode }] })['QUERY PLAN'][0].Plan;
        const { rows: written } = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM analysis_history');
        expect(written[0]?.n).to.equal(50);
        expect(tracksRowsScanned(plan)).to.be.at.most(50 * readsPerTrack);
      } finally {
        await client.query('ROLLBACK');
        client.release();
      }
    });
  }
});
