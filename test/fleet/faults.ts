import type pg from 'pg';

/**
 * Faults injected from inside the test database (never from production code): triggers that make a
 * consumer's transaction sleep at a chosen point, so a test can kill or stop the consumer right there.
 * Sequences count the firings because, unlike a table, they are not rolled back with the transaction.
 */

/** Slow every range write down a little, so a test can act while the job runs. */
export async function slowRanges(pool: pg.Pool, seconds: number): Promise<void> {
  await pool.query(`
    CREATE FUNCTION test_slow() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(${seconds}); RETURN NULL; END $$;
    CREATE TRIGGER test_slow AFTER INSERT ON analysis_history FOR EACH STATEMENT EXECUTE FUNCTION test_slow();`);
}

/** Sleep `seconds` in the first `times` range writes, after the history rows are written, before COMMIT. */
export async function sleepAfterWrites(pool: pg.Pool, seconds: number, times: number): Promise<void> {
  await pool.query(`
    CREATE SEQUENCE test_fault_after_writes;
    CREATE FUNCTION test_fault_after_writes() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF nextval('test_fault_after_writes') <= ${times} THEN PERFORM pg_sleep(${seconds}); END IF;
      RETURN NULL;
    END $$;
    CREATE TRIGGER test_fault_after_writes AFTER INSERT ON analysis_history
      FOR EACH STATEMENT EXECUTE FUNCTION test_fault_after_writes();`);
}

/** Sleep `seconds` inside COMMIT (a deferred constraint trigger) of the first range marked done. */
export async function sleepInCommit(pool: pg.Pool, seconds: number): Promise<void> {
  await pool.query(`
    CREATE SEQUENCE test_fault_in_commit;
    CREATE FUNCTION test_fault_in_commit() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF nextval('test_fault_in_commit') = 1 THEN PERFORM pg_sleep(${seconds}); END IF;
      RETURN NULL;
    END $$;
    CREATE CONSTRAINT TRIGGER test_fault_in_commit AFTER UPDATE ON backfill_ranges
      DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.state = 'done')
      EXECUTE FUNCTION test_fault_in_commit();`);
}

/** The pid of a consumer's backend that is sleeping in an injected fault, once there is one. */
export async function sleepingConsumerBackend(pool: pg.Pool): Promise<number | undefined> {
  const { rows } = await pool.query<{ pid: number }>(
    `SELECT pid FROM pg_stat_activity
      WHERE datname = current_database() AND wait_event = 'PgSleep' AND application_name LIKE 'tracktion-consumer%'`);
  return rows[0]?.pid;
}

/** Consumer sessions of the pool's database in a transaction (a range in flight), or waiting for a lock. */
export async function consumerSessions(pool: pg.Pool, which: 'in a transaction' | 'waiting for a lock'): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_stat_activity
      WHERE datname = current_database() AND application_name LIKE 'tracktion-consumer%'
        AND CASE WHEN $1 THEN wait_event_type = 'Lock' ELSE xact_start IS NOT NULL END`, [which === 'waiting for a lock']);
  return rows[0]?.n ?? 0;
}

export async function rangeStates(pool: pg.Pool, jobId: number): Promise<Record<string, number>> {
  const { rows } = await pool.query<{ state: string; n: string }>(
    `SELECT state, count(*) AS n FROM backfill_ranges WHERE job_id = $1 GROUP BY state`, [jobId]);
  return Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]));
}
