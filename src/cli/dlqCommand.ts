import { Command, Option } from 'commander';
import { RangePublisher } from '../shared/amqp/rangePublisher.js';
import { purgeDeadLetters, listDeadLetters, requeueDeadLetters, type DeadLetterQueue, type RequeueReport } from '../operations/deadLetters.js';
import type { DeadLetter } from '../operations/deadLetterRules.js';
import { withFleet, type FleetContext } from './fleetContext.js';
import { intOption } from './options.js';
import { formatTable, printJson, printLine, printMessage } from './output.js';
import { errorCell } from './rangeFormat.js';
import { printable, safeJson } from './safeText.js';

/** Dead letters listed when --limit is not given. */
const DEFAULT_LIMIT = 100;

const jobOption = () => new Option('--job <job>', 'only the dead letters of this job').argParser(intOption(1, Number.MAX_SAFE_INTEGER));

async function deadLetterQueue(ctx: FleetContext): Promise<DeadLetterQueue> {
  return { channel: await ctx.channel(), names: ctx.names };
}

function noQueueMessage(ctx: FleetContext): string {
  return `no dead-letter queue ${printable(ctx.names.deadQueue)} in RabbitMQ: no producer or consumer of namespace `
    + `${printable(ctx.config.TRACKTION_NAMESPACE)} has run yet (TRACKTION_NAMESPACE names the fleet)`;
}

function formatLetters(letters: readonly DeadLetter[]): string {
  return formatTable(['#', 'JOB', 'RANGE', 'IDS', 'ATTEMPT', 'DEAD-LETTERED AT', 'REASON'], letters.map((l) => [
    l.position, l.jobId ?? '-', l.rangeId ?? '-', l.startId === null ? '-' : `${l.startId}..${l.endId}`, l.attempt ?? '-',
    l.deadLetteredAt ? printable(l.deadLetteredAt) : '-', errorCell(l.reason)]));
}

function formatRequeue(r: RequeueReport, jobId: number | undefined): string {
  const verb = r.applied ? { put: 'republished', drop: 'dropped', keep: 'kept' } : { put: 'would republish', drop: 'would drop', keep: 'would keep' };
  const reasons = Object.entries(r.droppedBy).filter(([, n]) => n > 0).map(([why, n]) => `${n} ${why}`).join(', ');
  const lines = [
    `${r.examined} dead letter(s)${jobId === undefined ? '' : ` of job ${jobId}`} checked against the ledger`,
    `  ${verb.put} ${r.republished} (${r.rangesRepublished} open range(s), fresh attempts)`,
    `  ${verb.drop} ${r.dropped}${reasons ? ` (${reasons})` : ''}`,
  ];
  if (r.keptFailed > 0) {
    lines.push(`  ${verb.keep} ${r.keptFailed} of failed ranges in the queue: ${r.keptFailedJobs.map((j) => `backfill retry-failed ${j}`).join(', ')} reopens them`);
  }
  return lines.join('\n');
}

/** `backfill dlq list|requeue|purge`: the dead-letter queue, with the reasons from the messages' headers. */
export function registerDlqCommands(backfill: Command): void {
  const dlq = backfill.command('dlq').description('the dead-letter queue: list the messages with their reasons, requeue them (checked against the ledger), purge them')
    .addHelpText('after', '\nExamples:\n  $ tracktion-migrate backfill dlq list --job 7');

  dlq.command('list')
    .description('dead-lettered messages with job, range, attempt and reason (x-reason, or RabbitMQ\'s x-death); the queue is left as it was')
    .addOption(jobOption())
    .addOption(new Option('--limit <n>', `at most this many messages (default ${DEFAULT_LIMIT})`).argParser(intOption(1, 100_000)))
    .option('--json', 'print one JSON array of messages')
    .addHelpText('after', '\nExamples:\n  $ tracktion-migrate backfill dlq list\n  $ tracktion-migrate backfill dlq list --job 7 --json')
    .action(async (opts: { job?: number; limit?: number; json?: boolean }) => withFleet(async (ctx) => {
      const listing = await listDeadLetters(await deadLetterQueue(ctx), { jobId: opts.job, limit: opts.limit ?? DEFAULT_LIMIT });
      // Reasons can quote data (a PostgreSQL message naming a row's values): JSON escapes every control character.
      if (opts.json) printLine(safeJson(listing.letters));
      else if (listing.letters.length > 0) printLine(formatLetters(listing.letters));
      if (listing.depth === null) printMessage(noQueueMessage(ctx));
      else printMessage(`${listing.letters.length} shown; ${listing.depth} message(s) in ${printable(ctx.names.deadQueue)}`);
    }));

  dlq.command('requeue')
    .description('put dead letters back to work: those whose range is still open (not done, failed or rolled back; job not cancelled) '
      + 'are republished with fresh attempts, those with nothing left to do are dropped, those of failed ranges stay (retry-failed reopens them)')
    .addOption(jobOption())
    .option('--yes', 'really do it (without: print what would be done, exit 0)')
    .option('--json', 'print the report as JSON')
    .addHelpText('after', '\nExamples:\n  $ tracktion-migrate backfill dlq requeue --job 7\n  $ tracktion-migrate backfill dlq requeue --job 7 --yes')
    .action(async (opts: { job?: number; yes?: boolean; json?: boolean }) => withFleet(async (ctx) => {
      const pool = await ctx.pool();
      const report = await requeueDeadLetters({ dlq: await deadLetterQueue(ctx), pool, publisher: new RangePublisher(await ctx.confirmChannel(), pool, ctx.names) },
        { jobId: opts.job, apply: opts.yes ?? false });
      if (opts.json) printJson(report);
      else printLine(formatRequeue(report, opts.job));
      if (!opts.yes && report.examined > 0) printMessage('nothing changed: add --yes to requeue');
    }));

  dlq.command('purge')
    .description('delete dead letters (all, or one job\'s); the ledger is not changed')
    .addOption(jobOption())
    .option('--yes', 'really do it (without: print how many would be deleted, exit 0)')
    .option('--json', 'print {"purged": N, "applied": true|false} as JSON')
    .addHelpText('after', '\nExamples:\n  $ tracktion-migrate backfill dlq purge --job 7\n  $ tracktion-migrate backfill dlq purge --yes')
    .action(async (opts: { job?: number; yes?: boolean; json?: boolean }) => withFleet(async (ctx) => {
      const applied = opts.yes ?? false;
      const purged = await purgeDeadLetters(await deadLetterQueue(ctx), { jobId: opts.job, apply: applied });
      if (opts.json) printJson({ purged, applied });
      else printLine(`${applied ? 'purged' : 'would purge'} ${purged} dead letter(s)${opts.job === undefined ? '' : ` of job ${opts.job}`}`);
      if (!applied && purged > 0) printMessage('nothing changed: add --yes to purge');
    }));
}
