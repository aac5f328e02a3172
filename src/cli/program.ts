import { Command } from 'commander';
import { registerConvertCommand } from './convertCommand.js';
import { registerDbCommand } from './dbCommand.js';
import { registerBackfillCommand } from './backfillCommand.js';
import { registerDemoCommands, registerSeedDemoCommand } from './demoCommand.js';
import { registerFleetCommands } from './fleetCommands.js';
import { registerDashboardCommand } from './dashboardCommand.js';
import { registerOperateCommands } from './operateCommands.js';
import { registerConfigCommand } from './configCommand.js';
import { registerEnvCommand } from './envCommand.js';

const EXIT_CODES_HELP = `
Exit codes:
  0   ok
  1   failure
  2   partial (some items failed)
  64  usage error (bad flag, argument or input)
  69  a service (PostgreSQL, RabbitMQ, Redis) is unavailable
  78  bad configuration (an environment variable breaks its rule)

Configuration comes from the environment and an optional .env file (see .env.example).`;

/** The whole command tree. Each command group lives in its own module and registers itself here. */
export function buildProgram(): Command {
  const program = new Command('tracktion-migrate')
    .description('Upgrade a live Tracktion music-library database: schema, backfill fleet, config and .env files.')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', EXIT_CODES_HELP);
  program.exitOverride();
  program.configureOutput({ writeErr: (s) => process.stderr.write(s) });

  registerConvertCommand(program);
  registerDbCommand(program);
  // Fleet commands last: `seed-demo` attaches to the `db` group registered above.
  registerBackfillCommand(program);
  registerOperateCommands(program);
  registerFleetCommands(program);
  registerDashboardCommand(program);
  registerDemoCommands(program);
  registerSeedDemoCommand(program);
  registerConfigCommand(program);
  registerEnvCommand(program);
  return program;
}
