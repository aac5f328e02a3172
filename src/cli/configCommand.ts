import type { Command } from 'commander';
import { UsageError } from '../shared/errors.js';
import { planConfigMigration } from '../upgrades/config/migrate.js';
import { CONFIG_VERSIONS, LATEST_CONFIG_VERSION, knownConfigVersion } from '../upgrades/config/versions.js';
import { buildReport } from '../upgrades/report.js';
import { printUpgradeRun } from './upgradeRun.js';
import { migrateFiles } from '../upgrades/runner.js';

/** The files `config migrate` looks at when none are named (relative to the working directory). */
export const DEFAULT_CONFIG_FILES = [
  'config/development.yaml',
  'config/production.yaml',
  'config/testing.yaml',
  'services/analysis_service/config.yaml',
  'services/tracklist_service/config.yaml',
];

const HELP = `
Versions: ${CONFIG_VERSIONS.join(' -> ')}. A file is detected by its \`version\` key, else by its structure.
Each changed file is first copied to <file>.<old version>.backup (an existing backup is never overwritten),
then replaced atomically. Comments, key order and formatting of untouched settings are kept.
With no FILES: ${DEFAULT_CONFIG_FILES.join(', ')}.

Examples:
  $ tracktion-migrate config migrate --dry-run
  $ tracktion-migrate config migrate config/production.yaml --to 2.0
  $ tracktion-migrate config migrate settings.json --json

Exit status: 0 all files migrated or already current, 2 some file failed, 64 bad option.`;

interface ConfigMigrateOptions {
  to: string;
  dryRun?: boolean;
  json?: boolean;
}

export function registerConfigCommand(program: Command): void {
  const config = program.command('config').description('service configuration files (YAML or JSON)');
  config
    .command('migrate')
    .description('upgrade configuration files to a newer version (default: the latest)')
    .argument('[files...]', 'configuration files (default: the standard set)')
    .option('--to <version>', `target version (${CONFIG_VERSIONS.join(', ')})`, LATEST_CONFIG_VERSION)
    .option('--dry-run', 'print a unified diff (secrets masked) and write nothing')
    .option('--json', 'print one JSON object describing the run')
    .addHelpText('after', HELP)
    .action(async (files: string[], options: ConfigMigrateOptions) => {
      const target = knownConfigVersion(options.to);
      if (!target) throw new UsageError(`--to: unknown configuration version "${options.to}" (known versions: ${CONFIG_VERSIONS.join(', ')})`);
      const explicit = files.length > 0;
      const outcomes = await migrateFiles(explicit ? files : DEFAULT_CONFIG_FILES, (name, text) => planConfigMigration(name, text, target), {
        dryRun: options.dryRun === true,
      });
      const report = buildReport('config migrate', target, options.dryRun === true, outcomes, explicit);
      printUpgradeRun(report, options.json);
    });
}
