import { Command, Option } from 'commander';
import { getConfig } from '../shared/config.js';
import { createLogger } from '../shared/logger.js';
import { intOption } from './options.js';

/** The long-running processes of the fleet. */
export function registerFleetCommands(program: Command): void {
  program.command('producer')
    .description('run a producer: take backfill requests (BullMQ), plan ranges into the ledger, publish them to RabbitMQ; runs until SIGTERM/SIGINT')
    .addHelpText('after', '\nRun one or more (a request is taken by one producer; a crashed one\'s request is re-run by another).')
    .action(async () => {
      // Each role loads only its own modules (a consumer never loads BullMQ or TypeORM).
      const { runProducer } = await import('../producer/main.js');
      await runProducer(getConfig(), createLogger('producer'));
    });

  program.command('consumer')
    .description('run a consumer: convert ranges from RabbitMQ into the new columns, exactly once; runs until SIGTERM/SIGINT (a second signal exits at once)')
    .addOption(new Option('--prefetch <n>', 'ranges in hand at once (default CONSUMER_PREFETCH)').argParser(intOption(1, 1000)))
    .addHelpText('after', '\nScale by running more of them: one per core on a machine, any number of machines.')
    .action(async (opts: { prefetch?: number }) => {
      const config = getConfig();
      const { runConsumer } = await import('../consumers/main.js');
      await runConsumer(config, { prefetch: opts.prefetch ?? config.CONSUMER_PREFETCH }, createLogger('consumer'));
    });
}
