import type pg from 'pg';
import type { FleetHarness } from '../../fleet/fleetHarness.js';
import { withChannel } from './fleetOps.js';
import type { CheckResult } from './types.js';

const MAX_LOOKED_AT = 500;

interface RangeBody {
  jobId: number;
  rangeId: number;
  startId: number;
  endId: number;
}

/**
 * Whatever the broker dead-lettered must be reflected in the ledger: each message in the dead-letter queue is a
 * range the ledger holds with the same bounds, in state `failed`. A range given up behind the ledger's back (a
 * delivery limit), or a message of a range the ledger never accepted (a second planner's), fails this check.
 * Messages are looked at without being taken: the channel closes without acking them, so they go back.
 */
export async function checkDeadLetters(pool: pg.Pool, fleet: FleetHarness): Promise<CheckResult> {
  const name = 'every dead-lettered message is a failed range of the ledger';
  // A scenario refused before any fleet process declared the topology has no dead-letter queue: nothing there.
  if (!(await queueExists(fleet, fleet.names.deadQueue))) return { name, ok: true, detail: 'no dead-letter queue was declared' };
  const bodies = await withChannel(fleet, async (channel) => {
    const seen: string[] = [];
    for (let i = 0; i < MAX_LOOKED_AT; i++) {
      const message = await channel.get(fleet.names.deadQueue, { noAck: false });
      if (!message) break;
      seen.push(message.content.toString('utf8'));
    }
    return seen;
  });
  const wrong: string[] = [];
  for (const raw of bodies) {
    const body = parse(raw);
    if (!body) {
      wrong.push(`unreadable ${JSON.stringify(raw.slice(0, 40))}`);
      continue;
    }
    const { rows } = await pool.query<{ state: string; start_id: number; end_id: number }>(
      `SELECT state, start_id::float8 AS start_id, end_id::float8 AS end_id FROM backfill_ranges WHERE job_id = $1 AND range_id = $2`,
      [body.jobId, body.rangeId]);
    const row = rows[0];
    const what = `job ${body.jobId} range ${body.rangeId} (ids ${body.startId}–${body.endId})`;
    if (!row) wrong.push(`${what}: not in the ledger`);
    else if (row.start_id !== body.startId || row.end_id !== body.endId) wrong.push(`${what}: the ledger's range is ids ${row.start_id}–${row.end_id}`);
    else if (row.state !== 'failed') wrong.push(`${what}: ${row.state} in the ledger`);
  }
  return {
    name,
    ok: wrong.length === 0,
    detail: wrong.length === 0 ? `${bodies.length} dead-lettered, all failed in the ledger`
      : `${wrong.length} of ${bodies.length} not (e.g. ${wrong.slice(0, 3).join('; ')})`,
  };
}

async function queueExists(fleet: FleetHarness, queue: string): Promise<boolean> {
  try {
    await withChannel(fleet, (channel) => channel.checkQueue(queue));
    return true;
  } catch (error) {
    if ((error as { code?: number }).code === 404) return false;
    throw error;
  }
}

function parse(raw: string): RangeBody | undefined {
  try {
    const value = JSON.parse(raw) as Partial<RangeBody>;
    const ok = [value.jobId, value.rangeId, value.startId, value.endId].every((n) => typeof n === 'number');
    return ok ? value as RangeBody : undefined;
  } catch {
    return undefined;
  }
}
