import type pg from 'pg';
import { createLegacyConverter } from '../shared/conversion/convert.js';
import { PermanentError } from '../shared/errors.js';
import { createdByOfJob } from '../shared/names.js';
import { jobStateForShare } from '../shared/ledger/jobs.js';
import { lockRangeForWork, markRangeDone, type RangeForWork } from '../shared/ledger/rangeWork.js';
import type { RangeMessage } from '../shared/rangeMessage.js';
import type { RangePhase } from '../shared/metrics/rangeObserver.js';
import { verdictFor } from './jobStateWatcher.js';
import { BlobRewrittenError, blobMd5, hasAnalysisValues, writeConverted, writeRowErrors, type ConvertedRow, type RowError } from './rangeWriter.js';

/** What became of one range message. */
export type RangeOutcome =
  /** `errors`: the range's latest row errors, for the live report (all of them are in the ledger). */
  | { kind: 'done'; converted: number; failed: number; skipped: number; durationMs: number; errors: RowError[] }
  | { kind: 'already-done' }
  | { kind: 'job-stopped'; jobState: string }
  | { kind: 'job-paused' };

export interface ProcessOptions {
  statementTimeoutMs: number;
  /** Rows read, converted and written at a time (CONSUMER_CHUNK_ROWS): what bounds the consumer's memory. */
  chunkRows: number;
  maxBlobBytes?: number;
  now?: () => Date;
  /** Told the PostgreSQL backend pid serving the range, so `cancel --force` can stop it. */
  onBackend?: (pid: number) => void;
  /** Told how long each phase took, in ms (metrics). */
  onPhase?: (phase: RangePhase, ms: number) => void;
}


/**
 * A blob above the size limit is not read at all: PostgreSQL measures it (octet_length reads the stored size,
 * it does not detoast) and sends NULL instead, so a 50 MB blob never reaches the consumer's memory.
 * `had_values` tells the write whether the track's current values need a snapshot for rollback; `read_xmin`, the
 * row version read, lets the write take the track only while its blob is the one converted (see rangeWriter.ts).
 * The id as float8: pg hands a bigint column to JavaScript as a string, and the next chunk starts at `id + 1`
 * (exact as a double up to 2^53; analysis_history.track_id is an integer anyway).
 */
const READ_CHUNK_SQL = `
  SELECT t.id::float8 AS id, CASE WHEN octet_length(t.analysis_data) > $3 THEN NULL ELSE t.analysis_data END AS analysis_data,
         CASE WHEN octet_length(t.analysis_data) > $3 THEN octet_length(t.analysis_data) END AS oversized_bytes,
         ${hasAnalysisValues('t')} AS had_values, t.xmin::text AS read_xmin
    FROM tracks t WHERE t.id BETWEEN $1 AND $2 ORDER BY t.id LIMIT $4`;



/**
 * Process one range in ONE transaction: check it against the ledger, read its rows, convert them with
 * the pure conversion, write history rows + track columns + row errors, and mark the range done.
 * A crash anywhere before COMMIT leaves nothing behind; after it, a redelivery finds the range done.
 */
export async function processRange(pool: pg.Pool, message: RangeMessage, options: ProcessOptions): Promise<RangeOutcome> {
  const client = await pool.connect();
  let released = false;
  try {
    if (typeof (client as unknown as { processID?: unknown }).processID === 'number') {
      options.onBackend?.((client as unknown as { processID: number }).processID);
    }
    await client.query('BEGIN');
    // A consumer frozen between two statements (GC pause, stopped container) must not keep its locks — the job
    // row's share lock above all — for ever: its session ends after the same limit as a statement.
    await client.query(`SELECT set_config('statement_timeout', $1, true), set_config('idle_in_transaction_session_timeout', $1, true)`,
      [String(options.statementTimeoutMs)]);
    const ledger = await lockRange(client, message);
    if (ledger.state === 'done') {
      await client.query('ROLLBACK');
      return { kind: 'already-done' };
    }
    if (verdictFor(ledger.job_state) === 'drop') {
      await client.query('ROLLBACK');
      return { kind: 'job-stopped', jobState: ledger.job_state };
    }
    if (ledger.job_state === 'paused') {
      await client.query('ROLLBACK');
      return { kind: 'job-paused' };
    }
    const written = await convertAndWrite(client, message, ledger, options);
    const jobState = await lockJob(client, message.jobId);
    if (verdictFor(jobState) === 'drop') {
      await client.query('ROLLBACK');
      return { kind: 'job-stopped', jobState };
    }
    const outcome = await markDone(client, message, written);
    const committing = performance.now();
    await client.query('COMMIT');
    options.onPhase?.('commit', performance.now() - committing);
    return outcome;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    // A broken connection must not go back to the pool.
    client.release(err instanceof Error && !(err instanceof PermanentError) ? err : undefined);
    released = true;
    throw err;
  } finally {
    if (!released) client.release();
  }
}

/** The ledger must know the range exactly as the message states it; anything else is forged or stale. */
async function lockRange(client: pg.PoolClient, message: RangeMessage): Promise<RangeForWork> {
  const rows = await lockRangeForWork(client, message.jobId, message.rangeId);
  const ledger = rows[0];
  if (!ledger) throw new PermanentError('unknown_range', `job ${message.jobId} has no range ${message.rangeId}`);
  if (ledger.start_id !== message.startId || ledger.end_id !== message.endId) {
    throw new PermanentError('range_mismatch',
      `range ${message.rangeId} of job ${message.jobId} is ${ledger.start_id}-${ledger.end_id} in the ledger, message says ${message.startId}-${message.endId}`);
  }
  if (ledger.min_id === null || ledger.max_id === null || message.endId < ledger.min_id || message.startId > ledger.max_id) {
    throw new PermanentError('outside_job', `range ${message.startId}-${message.endId} is outside the bounds of job ${message.jobId}`);
  }
  return ledger;
}

/** What the range's writes left, before it is marked done. */
interface RangeWrite {
  converted: number;
  skipped: number;
  /** Row errors of the whole range (all written to the ledger) … */
  failed: number;
  /** … and the latest of them, kept for the live report (the coordinator keeps only the latest anyway). */
  recentErrors: RowError[];
  durationMs: number;
}

/** Row errors of a range kept in memory for the report, whatever the range's size. */
const RECENT_ERRORS_REPORTED = 100;

type RangeRow = { id: number; analysis_data: string | null; oversized_bytes: number | null; had_values: boolean; read_xmin: string };

/**
 * Read, convert and write the range chunk by chunk (keyset on the track id, CONSUMER_CHUNK_ROWS rows at a
 * time), all inside the range's one transaction: memory holds one chunk, whatever the range's size, and
 * the range still commits (or rolls back) as a whole, so exactly once is kept. A range no larger than a chunk
 * — every default range — is one read and one write, as before chunking.
 */
async function convertAndWrite(
  client: pg.PoolClient, message: RangeMessage, ledger: RangeForWork, options: ProcessOptions,
): Promise<RangeWrite> {
  const started = performance.now();
  const convert = createLegacyConverter({
    analysisVersion: ledger.analysis_version,
    now: options.now?.() ?? new Date(),
    ...(options.maxBlobBytes ? { maxBytes: options.maxBlobBytes } : {}),
  });
  const phases = { read: 0, convert: 0, write: 0 };
  const total: RangeWrite = { converted: 0, skipped: 0, failed: 0, recentErrors: [], durationMs: 0 };
  for (let fromId = message.startId; fromId <= message.endId;) {
    const { rows, chunk } = await readAndWriteChunk(client, message, ledger, fromId, convert, options, phases);
    total.converted += chunk.converted;
    total.skipped += chunk.skipped;
    total.failed += chunk.errors.length;
    total.recentErrors = [...total.recentErrors, ...chunk.errors].slice(-RECENT_ERRORS_REPORTED);
    const last = rows[rows.length - 1];
    if (rows.length < options.chunkRows || !last) break;
    fromId = last.id + 1;
  }
  options.onPhase?.('read', phases.read);
  options.onPhase?.('convert', phases.convert);
  options.onPhase?.('write', phases.write);
  total.durationMs = Math.round(performance.now() - started);
  return total;
}

/**
 * Reads of a chunk in one range transaction when blobs keep being rewritten between its read and its write; the
 * last failure sends the range to the retry queue.
 */
const CHUNK_READS = 4;

/** Read one chunk and write it; read it again when a blob was rewritten in between (BlobRewrittenError). */
async function readAndWriteChunk(
  client: pg.PoolClient, message: RangeMessage, ledger: RangeForWork, fromId: number,
  convert: ReturnType<typeof createLegacyConverter>, options: ProcessOptions, phases: { read: number; convert: number; write: number },
): Promise<{ rows: RangeRow[]; chunk: { converted: number; skipped: number; errors: RowError[] } }> {
  for (let read = 1; ; read++) {
    const reading = performance.now();
    const { rows } = await client.query<RangeRow>(READ_CHUNK_SQL,
      [fromId, message.endId, options.maxBlobBytes ?? 2_147_483_647, options.chunkRows]);
    phases.read += performance.now() - reading;
    try {
      return { rows, chunk: await convertAndWriteChunk(client, message, ledger, rows, convert, options, phases) };
    } catch (err) {
      // The chunk's writes are rolled back to their savepoint: reading it again sees the rewritten blobs.
      if (!(err instanceof BlobRewrittenError) || read >= CHUNK_READS) throw err;
    }
  }
}

async function convertAndWriteChunk(
  client: pg.PoolClient, message: RangeMessage, ledger: RangeForWork, rows: RangeRow[],
  convert: ReturnType<typeof createLegacyConverter>, options: ProcessOptions, phases: { convert: number; write: number },
): Promise<{ converted: number; skipped: number; errors: RowError[] }> {
  const convertStarted = performance.now();
  const converted: ConvertedRow[] = [];
  const errors: RowError[] = [];
  let skipped = 0;
  for (const row of rows) {
    if (row.oversized_bytes !== null) {
      errors.push({ trackId: row.id, code: 'too_large', key: null,
        message: `analysis_data is ${row.oversized_bytes} bytes, above the limit of ${options.maxBlobBytes} (CONVERSION_MAX_BLOB_BYTES)` });
      continue;
    }
    const outcome = convert(row.analysis_data);
    if (outcome.outcome === 'converted') {
      const read = { xmin: row.read_xmin, md5: blobMd5(row.analysis_data as string) };
      converted.push({ trackId: row.id, record: outcome.record, hadValues: row.had_values, read });
    }
    else if (outcome.outcome === 'error') errors.push({ trackId: row.id, code: outcome.code, key: outcome.key, message: outcome.message });
    else skipped++;
  }
  const convertMs = performance.now() - convertStarted;
  phases.convert += convertMs;
  const ctx = {
    jobId: message.jobId, rangeId: message.rangeId, analysisVersion: ledger.analysis_version,
    createdBy: createdByOfJob(message.jobId),
    processingTimeMs: Math.round(convertMs / Math.max(1, rows.length)),
  };
  const errorsBeforeWrite = errors.length;
  const written = await writeConverted(client, converted, ctx, errors);
  const refusedByDatabase = errors.length - errorsBeforeWrite;
  const kept = await writeRowErrors(client, ctx, errors);
  phases.write += performance.now() - convertStarted - convertMs;
  // Rows not written are skipped: converted rows with history for this version from an earlier job, and tracks
  // the application deleted since the read (a deleted track is neither converted nor a row error).
  skipped += converted.length - written - refusedByDatabase + (errors.length - kept.length);
  return { converted: written, skipped, errors: kept };
}

async function lockJob(client: pg.PoolClient, jobId: number): Promise<string> {
  return (await jobStateForShare(client, jobId)) ?? 'missing';
}

/** Mark the range done; returns the range's totals as the ledger now holds them (a re-run range adds to what it converted before). */
async function markDone(client: pg.PoolClient, message: RangeMessage, written: RangeWrite): Promise<RangeOutcome> {
  const totals = (await markRangeDone(client, message.jobId, message.rangeId, written))
    ?? { converted: written.converted, failed: written.failed, skipped: written.skipped };
  return { kind: 'done', ...totals, durationMs: written.durationMs, errors: written.recentErrors };
}
