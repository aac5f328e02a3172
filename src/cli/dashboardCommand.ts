import { Command, Option } from 'commander';
import { getConfig } from '../shared/config.js';
import { createLogger } from '../shared/logger.js';
import { intOption } from './options.js';
import { printMessage } from './output.js';

/** `dashboard`: the built-in live page of the fleet, for when no Prometheus / Grafana is set up. */
export function registerDashboardCommand(program: Command): void {
  program.command('dashboard')
    .description('serve a live page of the fleet: jobs with progress, rate and ETA, throughput and queue depth charts, consumers, row errors, throttle, pause / resume / cancel; runs until SIGTERM/SIGINT')
    .addOption(new Option('--port <p>', 'port to listen on; 0 picks a free one (default DASHBOARD_PORT, 8080)').argParser(intOption(0, 65_535)))
    .addOption(new Option('--host <h>', 'address to bind (default DASHBOARD_HOST, 127.0.0.1: this machine only)'))
    .addHelpText('after', `
The page also serves /metrics, /healthz and /readyz. Pause, resume and cancel need the operator token:
start the dashboard with DASHBOARD_TOKEN set (16+ characters) and type the same token into the page.
Without DASHBOARD_TOKEN the page is read-only.

Example:
  DASHBOARD_TOKEN=$(openssl rand -hex 24) tracktion-migrate dashboard --port 8080`)
    .action(async (opts: { port?: number; host?: string }) => {
      const config = getConfig();
      const { runDashboard } = await import('../dashboard/main.js');
      await runDashboard(config, {
        port: opts.port ?? config.DASHBOARD_PORT,
        host: opts.host ?? config.DASHBOARD_HOST,
        onListening: (server) => printMessage(`dashboard: ${server.url}/ ${config.DASHBOARD_TOKEN
          ? '(pause / resume / cancel with the operator token)' : '(read-only: DASHBOARD_TOKEN is not set)'}`),
      }, createLogger('dashboard'));
    });
}
