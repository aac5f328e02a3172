import { createLegacyConverter } from '../../src/shared/conversion/convert.js';
import { createPool } from '../../src/shared/db/pool.js';
import { blobMd5, hasAnalysisValues, writeConverted, type ConvertedRow, type RowError } from '../../src/consumers/rangeWriter.js';

/**
 * One "bare Node" process of the bench (spawned by bareNode.ts, one per core): the consumer's work with
 * none of the fleet around it — no RabbitMQ, no Redis, no ledger. For each range: one transaction that
 * reads the rows, converts them with the pure conversion and writes them with the fleet's own set-based
 * writeConverted. Worker `index` of `count` takes ranges index, index + count, …
 * argv: index count minId maxId idsPerRange analysisVersion; env BENCH_DATABASE_URL (not argv: ps shows argv).
 * Prints one JSON line: {startedAt, finishedAt, ranges, converted, failed, skipped} (epoch ms).
 */
const READ_ROWS_SQL = `SELECT t.id, t.analysis_data, ${hasAnalysisValues('t')} AS had_values, t.xmin::text AS read_xmin FROM tracks t WHERE t.id BETWEEN $1 AND $2 ORDER BY t.id`;

async function main(): Promise<void> {
  const [index, count, minId, maxId, idsPerRange] = process.argv.slice(2, 7).map(Number) as [number, number, number, number, number];
  const analysisVersion = process.argv[7] ?? '2024.1';
  const pool = createPool(process.env.BENCH_DATABASE_URL ?? '', { applicationName: 'tracktion-bench bare-node', max: 1 });
  const client = await pool.connect();
  const totals = { startedAt: Date.now(), finishedAt: 0, ranges: 0, converted: 0, failed: 0, skipped: 0 };
  try {
    for (let start = minId + index * idsPerRange; start <= maxId; start += count * idsPerRange) {
      const end = Math.min(maxId, start + idsPerRange - 1);
      await client.query('BEGIN');
      const { rows } = await client.query<{ id: number; analysis_data: string | null; had_values: boolean; read_xmin: string }>(READ_ROWS_SQL, [start, end]);
      const convertStarted = performance.now();
      const convert = createLegacyConverter({ analysisVersion, now: new Date() });
      const converted: ConvertedRow[] = [];
      const errors: RowError[] = [];
      for (const row of rows) {
        const outcome = convert(row.analysis_data);
        if (outcome.outcome === 'converted') converted.push({ trackId: row.id, record: outcome.record, hadValues: row.had_values, read: { xmin: row.read_xmin, md5: blobMd5(row.analysis_data as string) } });
        else if (outcome.outcome === 'error') errors.push({ trackId: row.id, code: outcome.code, key: outcome.key, message: outcome.message });
        else totals.skipped++;
      }
      const processingTimeMs = Math.round((performance.now() - convertStarted) / Math.max(1, rows.length));
      totals.converted += await writeConverted(client, converted, {
        jobId: 0, rangeId: totals.ranges, analysisVersion, createdBy: 'bench:bare-node', processingTimeMs,
      }, errors);
      totals.failed += errors.length;
      await client.query('COMMIT');
      totals.ranges++;
    }
    totals.finishedAt = Date.now();
    process.stdout.write(`${JSON.stringify(totals)}\n`);
  } finally {
    client.release();
    await pool.end();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bare-node worker failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
