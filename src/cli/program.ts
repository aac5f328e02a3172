import { Command, InvalidArgumentError, Option } from 'commander';
import { TOOL_VERSION } from '../shared/version.js';
import { LOG_LEVELS, overrideLogLevel, parseLogLevel } from '../shared/config.js';
import { errorMessage } from '../shared/errors.js';
import { registerConvertCommand } from './convertCommand.js';
import { registerDbCommand } from './dbCommand.js';
import { registerBackfillCommand } from './backfillCommand.js';
import { registerDemoCommands, registerSeedDemoCommand } from './demoCommand.js';
import { registerFleetCommands } from './fleetCommands.js';
import { registerDashboardCommand } from './dashboardCommand.js';
import { registerOperateCommands } from './operateCommands.js';
import { registerConfigCommand } from './configCommand.js';
import { registerEnvCommand } from './envCommand.js';
import { addExamples } from './helpExamples.js';

const EXIT_CODES_HELP = `
Exit codes:
  0   ok
  1   failure
  2   partial (some items failed)
  64  usage error (bad flag, argument or input)
  69  a service (PostgreSQL, RabbitMQ, Redis) is unavailable
  78  bad configuration (an environment variable breaks its rule)

Configuration comes from the environment and an optional .env file (see .env.example).`;

interface LogFlags {
  quiet?: boolean;
  verbose?: boolean;
  logLevel?: string;
}

/** A bad --log-level is a usage error (exit 64), checked by LOG_LEVEL's own rule. */
function usageLevel(value: string): string {
  try {
    return parseLogLevel(value, '--log-level');
  } catch (err) {
    throw new InvalidArgumentError(errorMessage(err).replace(/^--log-level /, ''));
  }
}

/**
 * --quiet / --verbose / --log-level, on the program so that every command takes them (before or after the
 * command's name); they set the log level before any command reads the configuration.
 */
function addLogOptions(program: Command): void {
  program
    .addOption(new Option('-q, --quiet', 'log warnings and errors only (LOG_LEVEL=warn)').conflicts(['verbose', 'logLevel']))
    .addOption(new Option('-v, --verbose', 'log every step with its duration (LOG_LEVEL=debug)').conflicts('logLevel'))
    .addOption(new Option('--log-level <level>', `log level: ${LOG_LEVELS.join(', ')} (default LOG_LEVEL, info)`).argParser(usageLevel))
    .hook('preAction', (thisCommand) => {
      const flags = thisCommand.opts<LogFlags>();
      if (flags.logLevel !== undefined) overrideLogLevel(flags.logLevel, '--log-level');
      else if (flags.quiet) overrideLogLevel('warn', '--quiet');
      else if (flags.verbose) overrideLogLevel('debug', '--verbose');
    });
}

/** The whole command tree. Each command group lives in its own module and registers itself here. */
export function buildProgram(): Command {
  const program = new Command('tracktion-migrate')
    .description('upgrade a live Tracktion music-library database: schema, backfill fleet, config and .env files')
    .version(TOOL_VERSION)
    .showHelpAfterError('(run with --help for usage)')
    // Every command's --help lists the log options too; set before the commands so they inherit it.
    .configureHelp({ showGlobalOptions: true })
    .addHelpText('after', EXIT_CODES_HELP);
  program.exitOverride();
  program.configureOutput({ writeErr: (s) => process.stderr.write(s) });
  addLogOptions(program);

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
  addExamples(program);
  return program;
}
