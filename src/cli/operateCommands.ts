import { hostname, userInfo } from 'node:os';
import { Command, Option } from 'commander';
import { RangePublisher } from '../shared/amqp/rangePublisher.js';
import { declareTopology } from '../shared/amqp/topology.js';
import { ExitCode } from '../shared/exitCodes.js';
import { TracktionError, UsageError } from '../shared/errors.js';
import { cancelJob, pauseJob, resumeJob, type ControlResult } from '../operations/jobControl.js';
import { finalizeJob } from '../operations/finalize.js';
import { formatFinalizeReport } from './finalizeFormat.js';
import { resumeLost } from '../operations/resumeLost.js';
import { retryFailed } from '../operations/retryFailed.js';
import { KEEP_LATER_WRITES_FLAG, rollbackJob, rollbackPlan } from '../operations/rollback.js';
import { setOperatorCap } from '../operations/throttle.js';
import { findJob } from './backfillCommand.js';
import { withFleet, type FleetContext } from './fleetContext.js';
import { intOption } from './options.js';
import { printJson, printLine, printMessage } from './output.js';
import { formatRollbackPlan, formatRollbackResult } from './rollbackReport.js';
import { stderrLiveLine } from '../shared/liveLine.js';

/** Who made a change, as recorded in the job's history. */
function operator(): string {
  return `${userInfo().username}@${hostname()}`;
}

async function publisherFor(ctx: FleetContext): Promise<RangePublisher> {
  const channel = await ctx.confirmChannel();
  await declareTopology(channel, ctx.names);
  return new RangePublisher(channel, await ctx.pool(), ctx.names);
}

function reportControl(result: ControlResult, json: boolean | undefined, note: string): void {
  if (json) printJson(result);
  else printLine(result.changed ? `job ${result.jobId}: ${result.from} → ${result.to}` : `job ${result.jobId} is already ${result.to}`);
  if (result.changed) printMessage(note);
}

/** `backfill pause|resume|cancel|retry-failed|resume-lost|rollback|finalize|throttle`: steering a running job. */
export function registerOperateCommands(program: Command): void {
  const backfill = program.commands.find((c) => c.name() === 'backfill');
  if (!backfill) throw new TracktionError('internal', 'register the backfill command group first');

  backfill.command('pause <job>')
    .description('stop starting ranges of the job (within a second); ranges in hand finish; its messages wait')
    .option('--reason <text>', 'recorded in the job history').option('--json', 'print the transition as JSON')
    .action(async (jobArg: string, opts: { reason?: string; json?: boolean }) => withFleet(async (ctx) => {
      const job = await findJob(ctx, jobArg);
      const result = await pauseJob({ pool: await ctx.pool(), coordinator: await ctx.coordinator() }, job.id, operator(), opts.reason ?? null);
      reportControl(result, opts.json, 'consumers hold its ranges until `backfill resume`');
    }));

  backfill.command('resume <job>')
    .description('let a paused job run again')
    .option('--reason <text>', 'recorded in the job history').option('--json', 'print the transition as JSON')
    .action(async (jobArg: string, opts: { reason?: string; json?: boolean }) => withFleet(async (ctx) => {
      const job = await findJob(ctx, jobArg);
      const result = await resumeJob({ pool: await ctx.pool(), coordinator: await ctx.coordinator() }, job.id, operator(), opts.reason ?? null);
      reportControl(result, opts.json, 'consumers start its ranges again');
    }));

  backfill.command('cancel <job>')
    .description('no new range of the job starts; pending messages are dropped; what was done is kept')
    .option('--force', 'also stop the ranges in hand (their transactions roll back)')
    .option('--reason <text>', 'recorded in the job history').option('--json', 'print the transition as JSON')
    .action(async (jobArg: string, opts: { force?: boolean; reason?: string; json?: boolean }) => withFleet(async (ctx) => {
      const job = await findJob(ctx, jobArg);
      const result = await cancelJob({ pool: await ctx.pool(), coordinator: await ctx.coordinator() }, job.id, operator(),
        { force: opts.force ?? false, reason: opts.reason ?? null });
      reportControl(result, opts.json, 'the job becomes `cancelled` once no range of it is in hand');
    }));

  backfill.command('retry-failed <job>')
    .description('publish the failed ranges again with fresh attempts (and take their dead letters out of the dead-letter queue)')
    .option('--rows', 'also retry the rows that were row errors (after fixing the legacy data); a converted track is never converted twice')
    .option('--json', 'print the report as JSON')
    .action(async (jobArg: string, opts: { rows?: boolean; json?: boolean }) => withFleet(async (ctx) => {
      const job = await findJob(ctx, jobArg);
      const report = await retryFailed({ pool: await ctx.pool(), coordinator: await ctx.coordinator(), publisher: await publisherFor(ctx),
        names: ctx.names, channel: await ctx.channel() }, job.id, { rows: opts.rows ?? false, actor: operator() });
      if (opts.json) printJson(report);
      else printLine(`job ${job.id}: ${report.ranges} range(s) published again, ${report.rowErrorsCleared} row error(s) cleared, ${report.deadLettersRemoved} dead-lettered message(s) removed`);
    }));

  backfill.command('resume-lost <job>')
    .description('after RabbitMQ lost messages or Redis lost keys: republish each open range of the job that has no message in the broker nor in a consumer\'s hands, rebuild the counters')
    .option('--json', 'print the report as JSON')
    .action(async (jobArg: string, opts: { json?: boolean }) => withFleet(async (ctx) => {
      const job = await findJob(ctx, jobArg);
      const report = await resumeLost({ pool: await ctx.pool(), coordinator: await ctx.coordinator(), names: ctx.names,
        publisher: await publisherFor(ctx), inspect: await ctx.channel(), heartbeatTtlSeconds: ctx.config.HEARTBEAT_TTL_SECONDS }, job.id);
      if (opts.json) printJson(report);
      else printLine(report.republished > 0
        ? `job ${job.id}: ${report.republished} of ${report.openRanges} open range(s) had no message in the broker nor in a consumer's hands — republished them`
        : `job ${job.id}: nothing lost (${report.openRanges} open range(s), ${report.messagesHeld} message(s) in the broker, ${report.inHand} in hand)`);
      if (report.countersRebuilt > 0) printMessage(`rebuilt the counters of ${report.countersRebuilt} range(s) from the ledger`);
    }));

  backfill.command('rollback <job>')
    .description('undo a stopped job range by range (resumable): delete the history rows it wrote and restore the tracks that still hold its values; tracks written since are kept and reported')
    .option('--yes', 'really do it (without: print what would be undone)')
    .option(KEEP_LATER_WRITES_FLAG, 'go ahead although a later job wrote over some of its tracks: those keep the later values')
    .option('--json', 'print the result as JSON')
    .action(async (jobArg: string, opts: { yes?: boolean; keepLaterWrites?: boolean; json?: boolean }) => withFleet(async (ctx) => {
      const job = await findJob(ctx, jobArg);
      const pool = await ctx.pool();
      if (!opts.yes) {
        // A preview is a successful answer (exit 0); what to add to go ahead is said on stderr.
        const plan = await rollbackPlan(pool, job.id);
        if (opts.json) printJson({ jobId: job.id, state: job.state, preview: true, plan });
        else printLine(formatRollbackPlan(job.id, job.state, plan));
        printMessage(`preview only: nothing was changed; add --yes to roll back job ${job.id}`);
        return;
      }
      const result = await rollbackJob(pool, job.id, operator(), (p) => {
        stderrLiveLine.update(`rolling back: ${p.rangesDone}/${p.rangesTotal} ranges, ${p.tracksRestored} tracks restored`);
      }, { keepLaterWrites: opts.keepLaterWrites ?? false });
      stderrLiveLine.end();
      if (opts.json) printJson({ jobId: job.id, ...result });
      else printLine(formatRollbackResult(job.id, result));
    }));

  backfill.command('finalize <job>')
    .description('last step: check no track in the job\'s bounds still needs conversion or changed its legacy data since, validate NOT VALID constraints, mark the job finalized, then build the indexes db migrate --defer-indexes left')
    .option('--accept-changed', 'finalize even if tracks\' legacy data was rewritten after their conversion (they stay listed)')
    .option('--json', 'print the report as JSON')
    .action(async (jobArg: string, opts: { acceptChanged?: boolean; json?: boolean }) => withFleet(async (ctx) => {
      const job = await findJob(ctx, jobArg);
      const report = await finalizeJob(await ctx.pool(), job.id, operator(), { acceptChanged: opts.acceptChanged === true });
      if (opts.json) printJson(report);
      else for (const line of formatFinalizeReport(report)) printLine(line);
      if (!report.finalized) process.exitCode = ExitCode.failure;
      if (report.finalized) await import('./dbBuildIndexesAction.js').then((a) => a.buildIndexesAfterFinalize());
    }));

  backfill.command('throttle <job>')
    .description('cap the fleet-wide rate of a job (the health throttle can only lower it further)')
    .addOption(new Option('--max-rate <n>', 'tracks per second for the whole fleet').argParser(intOption(1, 100_000_000)))
    .option('--clear', 'remove the cap')
    .option('--json', 'print {jobId, cap} as JSON: cap in tracks/s, null when cleared')
    .action(async (jobArg: string, opts: { maxRate?: number; clear?: boolean; json?: boolean }) => withFleet(async (ctx) => {
      if ((opts.maxRate === undefined) === !opts.clear) throw new UsageError('give exactly one of --max-rate N or --clear');
      const job = await findJob(ctx, jobArg);
      const cap = opts.clear ? null : (opts.maxRate as number);
      await setOperatorCap({ pool: await ctx.pool(), coordinator: await ctx.coordinator() }, job.id, cap);
      if (opts.json) printJson({ jobId: job.id, cap });
      else printLine(cap === null ? `job ${job.id}: rate cap removed` : `job ${job.id}: capped at ${cap} tracks/s`);
    }));
}
