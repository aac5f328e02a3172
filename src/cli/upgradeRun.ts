import type { buildReport } from '../upgrades/report.js';
import { finishRun, formatReport } from '../upgrades/report.js';
import { printJson, printLine, printMessage } from './output.js';

/** Print the report of a `config migrate` / `env migrate` run (JSON or lines + warnings) and set its exit code. */
export function printUpgradeRun(report: ReturnType<typeof buildReport>, json: boolean | undefined): void {
  if (json) {
    printJson(report);
  } else {
    const { lines, warnings } = formatReport(report);
    lines.forEach((line) => printLine(line));
    warnings.forEach((warning) => printMessage(warning));
  }
  finishRun(report);
}
