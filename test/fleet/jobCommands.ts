import { expect } from 'chai';
import type pg from 'pg';
import { convertLegacy } from '../../src/shared/conversion/convert.js';
import { runCli, type CliResult } from '../helpers/cli.js';
import type { FleetHarness } from './fleetHarness.js';

/** The CLI run as the operator runs it, inside the fleet's isolation. */
export function cli(fleet: FleetHarness, args: string[]): Promise<CliResult> {
  return runCli(args, { env: fleet.env() });
}

/** `backfill enqueue --json` with the given options; returns the job id. */
export async function enqueue(fleet: FleetHarness, args: string[] = []): Promise<number> {
  const enqueued = await cli(fleet, ['backfill', 'enqueue', '--range-size', '250', '--json', ...args]);
  expect(enqueued.code, enqueued.stderr).to.equal(0);
  return (JSON.parse(enqueued.stdout) as { jobId: number }).jobId;
}

export interface StatusThrottle {
  rate: number | null;
  reason: string | null;
  since: string | null;
  operatorCap: number | null;
}

export async function statusOf(fleet: FleetHarness, jobId: number): Promise<{ state: string; throttle: StatusThrottle; history: { toState: string; reason: string | null; actor: string }[] }> {
  const status = await cli(fleet, ['backfill', 'status', String(jobId), '--json']);
  expect(status.code, status.stderr).to.equal(0);
  return JSON.parse(status.stdout) as Awaited<ReturnType<typeof statusOf>>;
}

/** Ids of seeded tracks whose legacy data converts, fails as a row error, or is absent — by the conversion itself. */
export async function tracksByOutcome(pool: pg.Pool): Promise<{ converted: number[]; error: number[]; none: number[] }> {
  const { rows } = await pool.query<{ id: number; analysis_data: string | null }>('SELECT id, analysis_data FROM tracks ORDER BY id');
  const result = { converted: [] as number[], error: [] as number[], none: [] as number[] };
  for (const row of rows) {
    const outcome = convertLegacy(row.analysis_data, { analysisVersion: '2024.1', now: new Date() }).outcome;
    (outcome === 'converted' ? result.converted : outcome === 'error' ? result.error : result.none).push(row.id);
  }
  return result;
}

/** Give tracks the legacy data of a track that converts (the operator fixing bad or missing data). */
export async function copyLegacyData(pool: pg.Pool, fromTrack: number, toTracks: number[]): Promise<void> {
  await pool.query('UPDATE tracks SET analysis_data = (SELECT analysis_data FROM tracks WHERE id = $1) WHERE id = ANY($2::bigint[])', [fromTrack, toTracks]);
}

export async function historyRowsOf(pool: pg.Pool, trackIds: number[]): Promise<Map<number, number[]>> {
  const { rows } = await pool.query<{ track_id: number; ids: number[] }>(
    'SELECT track_id::float8 AS track_id, array_agg(id::float8 ORDER BY id) AS ids FROM analysis_history WHERE track_id = ANY($1::bigint[]) GROUP BY track_id',
    [trackIds]);
  return new Map(rows.map((r) => [r.track_id, r.ids]));
}
