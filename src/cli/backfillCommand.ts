import { Command, Option } from 'commander';
import { userInfo, hostname } from 'node:os';
import { createJob, getJob, latestJob, listJobs } from '../shared/ledger/jobs.js';
import { errorSummary, rowErrors } from '../shared/ledger/errors.js';
import { collectJobStatus } from '../operations/status/jobStatus.js';
import { UsageError } from '../shared/errors.js';
import { ROW_ERROR_CODES } from '../shared/errorCodes.js';
import { rangeSizeProblem } from '../shared/config.js';
import { withFleet, type FleetContext } from './fleetContext.js';
import { analysisVersionOption, intOption } from './options.js';
import { formatTable, isStdoutClosed, printJson, printLine, printMessage, writeOut, writeOutDrained } from './output.js';
import { formatStatus } from './statusFormat.js';
import { watchStatus } from './statusWatch.js';
import { waitForJob } from './backfillWait.js';
import { toCsvLine } from './csv.js';
import { printable, safeJson } from './safeText.js';
import { registerRangesCommand } from './rangesCommand.js';
import { registerDlqCommands } from './dlqCommand.js';

/** `backfill …`: enqueue a job and watch it. Operating a running job (pause, retry …) lives beside it. */
export function registerBackfillCommand(program: Command): void {
  const backfill = program.command('backfill').description('enqueue and watch backfill jobs (legacy analysis_data → new columns)');

  backfill.command('enqueue')
    .description('record a backfill job (id bounds frozen now) and hand its request to the producers')
    .addOption(new Option('--analysis-version <v>', 'target analysis_version (1-20 chars; default ANALYSIS_VERSION)').argParser(analysisVersionOption))
    .addOption(new Option('--range-size <n>', 'rows with legacy data per range (default BACKFILL_RANGE_SIZE, at most BACKFILL_RANGE_SIZE_LIMIT)').argParser(intOption(1, 1_000_000)))
    .addOption(new Option('--from-id <a>', 'lowest track id to convert').argParser(intOption(0, 2_147_483_647)))
    .addOption(new Option('--to-id <b>', 'highest track id to convert').argParser(intOption(0, 2_147_483_647)))
    .option('--wait', 'follow the job until it ends (exit code as `backfill wait`)')
    .addOption(new Option('--timeout <s>', 'with --wait: give up after this many seconds (exit 2)').argParser(intOption(1, 31_536_000)))
    .option('--json', 'print {"jobId": …} as JSON')
    .action(async (opts: { analysisVersion?: string; rangeSize?: number; fromId?: number; toId?: number; wait?: boolean; timeout?: number; json?: boolean }) => {
      if (opts.fromId !== undefined && opts.toId !== undefined && opts.fromId > opts.toId) {
        throw new UsageError('--from-id must not be greater than --to-id');
      }
      await withFleet(async (ctx) => {
        const rangeSize = opts.rangeSize ?? ctx.config.BACKFILL_RANGE_SIZE;
        const tooLarge = rangeSizeProblem(ctx.config, rangeSize);
        if (tooLarge) throw new UsageError(`--range-size ${rangeSize} ${tooLarge}`);
        const pool = await ctx.pool();
        const redis = await ctx.redis();
        const job = await createJob(pool, {
          analysisVersion: opts.analysisVersion ?? ctx.config.ANALYSIS_VERSION,
          rangeSize,
          fromId: opts.fromId, toId: opts.toId,
          requestedBy: `${userInfo().username}@${hostname()}`,
        });
        const { addRequest, openRequestQueue } = await import('../producer/requestQueue.js');
        const queue = openRequestQueue(redis, ctx.names);
        try {
          await addRequest(queue, job);
        } finally {
          await queue.close();
        }
        if (opts.json) printJson({ jobId: job.id });
        else printLine(String(job.id));
        printMessage(`backfill job ${job.id} enqueued (ids ${job.minId ?? '-'}..${job.maxId ?? '-'}, range size ${job.rangeSize}); a running producer will take it`);
        if (opts.wait) {
          const { code } = await waitForJob(ctx, job.id, { timeoutSeconds: opts.timeout, progress: true });
          process.exitCode = code;
        }
      });
    });

  backfill.command('status [job]')
    .description('state, ranges, tracks, rate, ETA, queue depth, consumers, throttle and history of a job (default: the latest)')
    .option('--json', 'print the status as one JSON object (with --watch: one per line, NDJSON)')
    .option('--watch', 'keep watching until the job ends: a live view on a terminal, plain lines otherwise')
    .addOption(new Option('--interval <s>', 'with --watch: seconds between updates').argParser(intOption(1, 3600)).default(2))
    .option('--exact', 'count ranges and tracks in the ledger (PostgreSQL) instead of the coordinator\'s live counters in Redis: '
      + 'exact even if Redis lost or miscounted something, and costs a read of all the job\'s ranges (a finished job is always read from the ledger)')
    .action(async (jobArg: string | undefined, opts: { json?: boolean; watch?: boolean; interval: number; exact?: boolean }) => {
      await withFleet(async (ctx) => {
        const job = await findJob(ctx, jobArg);
        const deps = await ctx.statusDeps({ requireBroker: false });
        const exact = opts.exact ?? false;
        if (opts.watch) {
          await watchStatus(ctx, job.id, deps, { json: opts.json ?? false, intervalMs: opts.interval * 1000, exact });
          return;
        }
        const status = await collectJobStatus(deps, job, { exact });
        if (opts.json) printJson(status);
        else printLine(formatStatus(status));
      });
    });

  backfill.command('list')
    .description('backfill jobs, newest first')
    .option('--json', 'print a JSON array')
    .action(async (opts: { json?: boolean }) => {
      await withFleet(async (ctx) => {
        const jobs = await listJobs(await ctx.pool());
        if (opts.json) {
          printJson(jobs.map((j) => ({ jobId: j.id, state: j.state, analysisVersion: j.analysisVersion, rangesTotal: j.rangesTotal,
            minId: j.minId, maxId: j.maxId, createdAt: j.createdAt.toISOString(), finishedAt: j.finishedAt?.toISOString() ?? null })));
        } else {
          printLine(formatTable(['JOB', 'STATE', 'VERSION', 'RANGES', 'IDS', 'CREATED'],
            jobs.map((j) => [j.id, j.state, j.analysisVersion, j.rangesTotal, `${j.minId ?? '-'}..${j.maxId ?? '-'}`, j.createdAt.toISOString()])));
        }
      });
    });

  backfill.command('wait <job>')
    .description('wait for a job to end: exit 0 completed, 1 failed or with failed ranges, 2 timeout')
    .addOption(new Option('--timeout <s>', 'give up after this many seconds').argParser(intOption(1, 31_536_000)))
    .option('--json', 'print the final status as JSON')
    .action(async (jobArg: string, opts: { timeout?: number; json?: boolean }) => {
      await withFleet(async (ctx) => {
        const job = await findJob(ctx, jobArg);
        const { code, status } = await waitForJob(ctx, job.id, { timeoutSeconds: opts.timeout, progress: !opts.json });
        if (opts.json) printJson(status);
        process.exitCode = code;
      });
    });

  backfill.command('errors <job>')
    .description('every row error of a job: track id, file path, code, key, message')
    // A code not in the list is a usage error naming the valid ones (exit 64), not an empty report.
    .addOption(new Option('--code <code>', 'only errors with this code').choices(ROW_ERROR_CODES))
    .option('--summary', 'counts by code with a sample track each')
    .addOption(new Option('--json', 'one JSON array of {trackId, filePath, code, key, message}').conflicts('csv'))
    .addOption(new Option('--csv', 'CSV with a header line').conflicts('json'))
    .action(async (jobArg: string, opts: { code?: string; summary?: boolean; json?: boolean; csv?: boolean }) => {
      await withFleet(async (ctx) => {
        const job = await findJob(ctx, jobArg);
        const pool = await ctx.pool();
        if (opts.summary) {
          const summary = await errorSummary(pool, job.id);
          if (opts.json) printLine(safeJson(summary));
          else printLine(formatTable(['CODE', 'COUNT', 'SAMPLE TRACK', 'SAMPLE MESSAGE'], summary.map((s) => [printable(s.code), s.count, s.sampleTrackId, printable(s.sampleMessage)])));
          return;
        }
        await printErrors(rowErrors(pool, job.id, opts.code), opts.json ? 'json' : opts.csv ? 'csv' : 'text');
      });
    });

  registerRangesCommand(backfill, findJob);
  registerDlqCommands(backfill);
}

/**
 * File paths, keys and messages come from the legacy data, so from whoever named a file: text shows their
 * control characters escaped, JSON escapes them (same data), CSV keeps the data but no cell starts a formula
 * — and, printed straight to a terminal, has its control characters escaped too.
 */
async function printErrors(errors: AsyncIterable<{ trackId: number; filePath: string | null; code: string; key: string | null; message: string }>, format: 'json' | 'csv' | 'text'): Promise<void> {
  let first = true;
  const cell = process.stdout.isTTY ? (v: string | null) => (v === null ? null : printable(v)) : (v: string | null) => v;
  if (format === 'json') writeOut('[');
  if (format === 'csv') printLine('track_id,file_path,code,key,message');
  for await (const e of errors) {
    if (isStdoutClosed()) return; // the reader went away (`| head`): stop reading the ledger too
    if (format === 'json') await writeOutDrained(`${first ? '' : ','}\n${safeJson({ trackId: e.trackId, filePath: e.filePath, code: e.code, key: e.key, message: e.message })}`);
    else if (format === 'csv') await writeOutDrained(`${toCsvLine([e.trackId, cell(e.filePath), cell(e.code), cell(e.key), cell(e.message)])}\n`);
    else await writeOutDrained(`${[e.trackId, e.code, e.key ?? '-', e.filePath ?? '-', e.message].map((v) => printable(String(v))).join('\t')}\n`);
    first = false;
  }
  if (format === 'json') writeOut(first ? ']\n' : '\n]\n');
}

/** The job named on the command line, or the latest one; a clear error when there is none. */
export async function findJob(ctx: FleetContext, jobArg: string | undefined) {
  const pool = await ctx.pool();
  if (jobArg !== undefined && !/^[1-9]\d{0,14}$/.test(jobArg)) throw new UsageError(`job must be a job id (a positive whole number), got ${JSON.stringify(jobArg.slice(0, 40))}`);
  const job = jobArg === undefined ? await latestJob(pool) : await getJob(pool, Number(jobArg));
  if (!job) throw new UsageError(jobArg === undefined ? 'there are no backfill jobs yet (backfill enqueue starts one)' : `no backfill job ${jobArg}`);
  return job;
}
