import { once } from 'node:events';
import { open } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { Command } from 'commander';
import { getConfig } from '../shared/config.js';
import { UsageError, errorCode } from '../shared/errors.js';
import {
  NOT_AN_INPUT_LINE,
  SCORE_FIELDS,
  analysisVersionProblem,
  countOutcome,
  createLegacyConverter,
  decodeInputLine,
  emptySummary,
  encodeOutcomeLine,
  showValue,
  type ConversionSummary,
} from '../shared/conversion/index.js';
import { formatTable, printJson, printLine, printMessage } from './output.js';

interface ConvertFlags {
  summary?: boolean;
  json?: boolean;
  now?: string;
  analysisVersion?: string;
}

const HELP = `
Input (FILE, or stdin when FILE is omitted or "-"): one line per track — the track's analysis_data as a
JSON string, or null / an empty line for SQL NULL. That is what psql prints for a text column:
  psql -At -c "SELECT to_json(analysis_data) FROM tracks"
(for a json/jsonb column, select to_json(analysis_data::text)).

Output: one JSON line per input line, in order:
  {"outcome":"converted","energy_level":…,"danceability":…,"valence":…,"acousticness":…,
   "instrumentalness":…,"analysis_version":…,"confidence_score":…,"metadata":{…}}
  {"outcome":"error","code":"invalid_value","key":"energy","message":"…"}
  {"outcome":"skipped"}
Row error codes: invalid_json, not_an_object, invalid_value, unstorable. Row errors are data, not a failure.

Examples:
  $ psql -At -c "SELECT to_json(analysis_data) FROM tracks" | tracktion-migrate convert --summary
  $ tracktion-migrate convert --summary --json samples/legacy-analysis.ndjson
  $ tracktion-migrate convert --now 2024-06-01T00:00:00Z --analysis-version 2024.2 sample.ndjson

Exit codes:
  0   done (row errors included)
  64  a bad flag; FILE missing or unreadable; or an input line that is not a JSON string, null or empty
      (the message names the line; in line mode the lines before it are already printed)
  78  bad configuration (ANALYSIS_VERSION is the default of --analysis-version)`;

/** `tracktion-migrate convert`: the operator's dry run of the conversion on a sample — no database. */
export function registerConvertCommand(program: Command): void {
  program
    .command('convert')
    .summary('dry-run the legacy conversion over one analysis_data value per line (no database)')
    .description('convert legacy analysis_data values, one per line, and print each outcome — or a summary')
    .argument('[file]', 'input file; stdin when omitted or "-"')
    .option('--summary', 'print counts by outcome and error code (with a sample line number) instead of lines')
    .option('--json', 'with --summary, print the summary as one JSON object (lines are always JSON)')
    .option('--now <iso>', 'conversion time for metadata.migration_date, ISO-8601 (default: the clock)')
    .option('--analysis-version <version>', 'target analysis_version, 1-20 characters (default: ANALYSIS_VERSION)')
    .addHelpText('after', HELP)
    .action(async (file: string | undefined, flags: ConvertFlags) => {
      await runConvert(file, flags);
    });
}

async function runConvert(file: string | undefined, flags: ConvertFlags): Promise<void> {
  const convert = createLegacyConverter({ analysisVersion: analysisVersionFrom(flags), now: nowFrom(flags) });
  const input = await openInput(file);
  const writer = flags.summary ? undefined : new LineWriter(process.stdout);
  const summary = emptySummary();
  const lines = createInterface({ input, crlfDelay: Infinity });
  let lineNumber = 0;
  try {
    for await (const line of lines) {
      lineNumber += 1;
      const value = decodeInputLine(line);
      if (value === NOT_AN_INPUT_LINE) throw badLine(lineNumber, line);
      const outcome = convert(value);
      if (writer === undefined) {
        countOutcome(summary, outcome, lineNumber);
      } else {
        const drained = writer.push(encodeOutcomeLine(outcome));
        if (drained) await drained;
      }
    }
    await writer?.flush();
  } catch (err) {
    // The reader of our output went away (`| head`): stop quietly, as other line tools do.
    if (errorCode(err) === 'EPIPE') return;
    await writer?.flush().catch(() => undefined); // the lines before a bad one are still worth printing
    throw err;
  } finally {
    lines.close();
    input.destroy();
  }
  if (writer === undefined) printSummary(summary, flags.json === true);
}

function analysisVersionFrom(flags: ConvertFlags): string {
  if (flags.analysisVersion === undefined) return getConfig().ANALYSIS_VERSION;
  const problem = analysisVersionProblem(flags.analysisVersion);
  if (problem !== undefined) throw new UsageError(`--analysis-version ${problem}`);
  return flags.analysisVersion;
}

function nowFrom(flags: ConvertFlags): Date {
  if (flags.now === undefined) return new Date();
  const now = parseIsoTime(flags.now);
  if (now === undefined) {
    throw new UsageError(`--now must be an ISO-8601 date or date-time with Z or an offset, e.g. 2024-06-01T12:00:00Z (got ${showValue(flags.now)})`);
  }
  return now;
}

const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-](\d{2}):(\d{2})))?$/;

/** A strict ISO-8601 date or zoned date-time; undefined for anything else, including Feb 30 or 25:00. */
export function parseIsoTime(text: string): Date | undefined {
  const match = ISO_TIME.exec(text);
  if (!match) return undefined;
  const [year, month, day, hour = 0, minute = 0, second = 0, offsetHour = 0, offsetMinute = 0] = match
    .slice(1)
    .map((part) => (part === undefined ? undefined : Number(part)));
  const calendar = new Date(Date.UTC(year ?? 0, (month ?? 0) - 1, day ?? 0));
  const validDay = calendar.getUTCMonth() + 1 === month && calendar.getUTCDate() === day;
  if (!validDay || hour > 23 || minute > 59 || second > 59 || offsetHour > 23 || offsetMinute > 59) return undefined;
  const time = new Date(text);
  return Number.isNaN(time.getTime()) ? undefined : time;
}

async function openInput(file: string | undefined): Promise<Readable> {
  if (file === undefined || file === '-') {
    if (process.stdin.isTTY) printMessage('convert: reading analysis_data lines from stdin (end with Ctrl-D)…');
    return process.stdin;
  }
  try {
    const handle = await open(file, 'r');
    if ((await handle.stat()).isDirectory()) {
      await handle.close();
      throw new UsageError(`input file ${file} is a directory`);
    }
    return handle.createReadStream({ encoding: 'utf8', highWaterMark: 256 * 1024 });
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`input file ${file} ${unreadableReason(err)}`, { cause: err });
  }
}

function unreadableReason(err: unknown): string {
  const code = errorCode(err);
  if (code === 'ENOENT') return 'does not exist';
  if (code === 'EACCES' || code === 'EPERM') return 'is not readable (permission denied)';
  return `cannot be read (${code ?? String(err)})`;
}

function badLine(lineNumber: number, line: string): UsageError {
  const hint = /^\s*[{[]/.test(line) ? ' — for a json/jsonb column, select to_json(analysis_data::text)' : '';
  return new UsageError(
    `input line ${lineNumber} is not a JSON string, null or an empty line${hint}: ${showValue(line)}`,
  );
}

/** Batches output lines into large writes and honours backpressure: memory stays flat for any input. */
class LineWriter {
  private static readonly BATCH_CHARS = 64 * 1024;
  private buffer = '';
  private failure: unknown;

  constructor(private readonly stream: Writable) {
    // A write to a closed pipe fails later, as an 'error' event: keep it (unhandled, it would crash us).
    stream.on('error', (err: unknown) => {
      this.failure ??= err;
    });
  }

  /** Queue one line; a promise is returned only when the caller must wait for the stream to drain. */
  push(line: string): Promise<unknown> | undefined {
    if (this.failure !== undefined) throw this.failure;
    this.buffer += `${line}\n`;
    return this.buffer.length >= LineWriter.BATCH_CHARS ? this.writeBuffer() : undefined;
  }

  async flush(): Promise<void> {
    if (this.buffer.length > 0) await this.writeBuffer();
  }

  private writeBuffer(): Promise<unknown> | undefined {
    const chunk = this.buffer;
    this.buffer = '';
    // once() also rejects on 'error' (EPIPE), so a closed pipe ends the loop instead of hanging it.
    return this.stream.write(chunk) ? undefined : once(this.stream, 'drain');
  }
}

function printSummary(summary: ConversionSummary, asJson: boolean): void {
  if (asJson) {
    printJson(summary);
    return;
  }
  const { outcomes } = summary;
  printLine(formatTable(['outcome', 'rows'], [
    ['converted', outcomes.converted],
    ['skipped', outcomes.skipped],
    ['error', outcomes.error],
    ['total', summary.lines],
  ]));
  const errorRows = Object.entries(summary.errors).map(([code, e]) => [code, e.count, e.sampleLine]);
  if (errorRows.length > 0) {
    printLine();
    printLine(formatTable(['error code', 'rows', 'sample line'], errorRows));
  }
  printLine();
  printLine(formatTable(
    ['column', 'defaulted', 'clamped'],
    SCORE_FIELDS.map(({ column }) => [column, summary.defaulted[column], summary.clamped[column]]),
  ));
}
