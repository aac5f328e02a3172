import { expect } from 'chai';
import amqp from 'amqplib';
import type pg from 'pg';
import { TEST_RABBITMQ_URL } from '../helpers/isolation.js';
import type { FleetNames } from '../../src/shared/names.js';

/**
 * What "nothing lost by planning" means, checked on the ledger itself: the job's ranges, in range id order,
 * start at the job's min id, each starts right after the previous one ends, and the last reaches its max id.
 */
export async function expectRangesCoverJob(pool: pg.Pool, jobId: number): Promise<void> {
  const { rows } = await pool.query<{ range_id: number; start_id: number; end_id: number }>(
    `SELECT range_id::float8 AS range_id, start_id::float8 AS start_id, end_id::float8 AS end_id
       FROM backfill_ranges WHERE job_id = $1 ORDER BY range_id`, [jobId]);
  const job = await pool.query<{ min_id: number; max_id: number }>(
    `SELECT min_id::float8 AS min_id, max_id::float8 AS max_id FROM backfill_jobs WHERE id = $1`, [jobId]);
  const { min_id: minId, max_id: maxId } = job.rows[0] as { min_id: number; max_id: number };
  let expectedStart = minId;
  rows.forEach((r, i) => {
    expect(r.range_id, 'range ids follow each other').to.equal(i + 1);
    expect(r.start_id, `range ${r.range_id} starts right after the previous one`).to.equal(expectedStart);
    expectedStart = r.end_id + 1;
  });
  expect(expectedStart - 1, 'the last range reaches the job\'s max id').to.equal(maxId);
}

/** Messages parked in the fleet's dead-letter queue (a range the ledger did not accept ends there). */
export async function deadLetteredCount(names: FleetNames, url = TEST_RABBITMQ_URL): Promise<number> {
  const connection = await amqp.connect(url);
  try {
    const channel = await connection.createChannel();
    return (await channel.checkQueue(names.deadQueue)).messageCount;
  } finally {
    await connection.close();
  }
}
