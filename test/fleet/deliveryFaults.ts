import type pg from 'pg';

/**
 * Faults for the delivery tests, injected from inside the test database like those of faults.ts: a
 * trigger sleeps (or fails) at a chosen point of a consumer's work, so the test can stop, kill or cut it
 * right there. Sequences count the firings because they are not rolled back with the transaction.
 */

/** Sleep `seconds` after the first range is marked done, before its COMMIT: the range transaction is at its end. */
export async function sleepAfterMarkDone(pool: pg.Pool, seconds: number): Promise<void> {
  await pool.query(`
    CREATE SEQUENCE test_fault_mark_done;
    CREATE FUNCTION test_fault_mark_done() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF nextval('test_fault_mark_done') = 1 THEN PERFORM pg_sleep(${seconds}); END IF;
      RETURN NULL;
    END $$;
    CREATE TRIGGER test_fault_mark_done AFTER UPDATE ON backfill_ranges
      FOR EACH ROW WHEN (NEW.state = 'done') EXECUTE FUNCTION test_fault_mark_done();`);
}

/** Sleep `seconds` the first time a range is about to be marked failed (the consumer's last-attempt path). */
export async function sleepBeforeMarkFailed(pool: pg.Pool, seconds: number): Promise<void> {
  await pool.query(`
    CREATE SEQUENCE test_fault_mark_failed;
    CREATE FUNCTION test_fault_mark_failed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF nextval('test_fault_mark_failed') = 1 THEN PERFORM pg_sleep(${seconds}); END IF;
      RETURN NEW;
    END $$;
    CREATE TRIGGER test_fault_mark_failed BEFORE UPDATE ON backfill_ranges
      FOR EACH ROW WHEN (NEW.state = 'failed' AND OLD.state <> 'failed') EXECUTE FUNCTION test_fault_mark_failed();`);
}

/** The write of the range holding `trackId` fails (not a row error) its first `times` tries. */
export async function failRangeWrites(pool: pg.Pool, trackId: number, times: number): Promise<void> {
  await pool.query(`
    CREATE SEQUENCE test_fault_fail_range;
    CREATE FUNCTION test_fault_fail_range() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.track_id = ${trackId} AND nextval('test_fault_fail_range') <= ${times} THEN
        RAISE EXCEPTION 'injected failure of the range write' USING ERRCODE = 'P0001';
      END IF;
      RETURN NEW;
    END $$;
    CREATE TRIGGER test_fault_fail_range BEFORE INSERT ON analysis_history
      FOR EACH ROW EXECUTE FUNCTION test_fault_fail_range();`);
}

/** Every write of the range holding `trackId` sleeps `seconds` (a range that hangs its consumer). */
export async function hangRangeWrites(pool: pg.Pool, trackId: number, seconds: number): Promise<void> {
  await pool.query(`
    CREATE FUNCTION test_fault_hang_range() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.track_id = ${trackId} THEN PERFORM pg_sleep(${seconds}); END IF;
      RETURN NEW;
    END $$;
    CREATE TRIGGER test_fault_hang_range BEFORE INSERT ON analysis_history
      FOR EACH ROW EXECUTE FUNCTION test_fault_hang_range();`);
}

/** How many history INSERT statements ran (counted by a statement trigger): chunked writes run several per range. */
export async function countHistoryStatements(pool: pg.Pool): Promise<() => Promise<number>> {
  await pool.query(`
    CREATE SEQUENCE test_history_statements;
    CREATE FUNCTION test_history_statements() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN PERFORM nextval('test_history_statements'); RETURN NULL; END $$;
    CREATE TRIGGER test_history_statements AFTER INSERT ON analysis_history
      FOR EACH STATEMENT EXECUTE FUNCTION test_history_statements();`);
  return async () => {
    const { rows } = await pool.query<{ n: string }>(
      `SELECT CASE WHEN is_called THEN last_value ELSE 0 END AS n FROM test_history_statements`);
    return Number(rows[0]?.n ?? 0);
  };
}

/** Backends of consumers still inside a transaction (active or idle in transaction). */
export async function consumerTransactions(pool: pg.Pool): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_stat_activity
      WHERE datname = current_database() AND application_name LIKE 'tracktion-consumer%' AND xact_start IS NOT NULL`);
  return rows[0]?.n ?? 0;
}
