import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { serverBinDir } from './privatePostgres.js';

/**
 * The application beside the backfill: pgbench at a fixed rate with a mix weighted like the real
 * application — 70 % reads of one track by id, 20 % play-count updates, 10 % new legacy tracks — every
 * transaction's latency logged. Ids are drawn like the seeder makes them (g + g/10, gaps included), so
 * every read and update finds its track. With --rate, pgbench measures a transaction's latency from its
 * scheduled start: time spent queued behind a slow one counts, as it does for the application's users.
 */
export const SCRIPTS = ['read', 'play', 'insert'] as const;
export type ScriptName = (typeof SCRIPTS)[number];
const WEIGHTS: Record<ScriptName, number> = { read: 70, play: 20, insert: 10 };

const DRAW_ID = `\\set g random(1, :tracks)
\\set id :g + :g / 10
`;
const SCRIPT_TEXT: Record<ScriptName, string> = {
  read: `${DRAW_ID}SELECT id, file_path, analysis_data, play_count FROM tracks WHERE id = :id;\n`,
  play: `${DRAW_ID}UPDATE tracks SET play_count = play_count + 1 WHERE id = :id;\n`,
  insert: `INSERT INTO tracks (id, file_path, analysis_data, created_at)
  SELECT n, format('/music/new/track-%s.flac', n), '{"energy": 0.5, "danceability": 0.5, "version": "1.0"}', now()
  FROM nextval('bench_live_new_track_ids') AS n;\n`,
};

/** What the bench's database needs besides the seeded library: the application's column and new ids. */
export const APPLICATION_SETUP_SQL = [
  'ALTER TABLE tracks ADD COLUMN play_count integer NOT NULL DEFAULT 0',
  'CREATE SEQUENCE bench_live_new_track_ids START 1000000000',
];

export interface WorkloadSettings {
  port: number;
  database: string;
  tracks: number;
  rate: number;
  clients: number;
  /** Where the scripts and the per-transaction logs go. */
  dir: string;
  label: string;
}

/** One transaction of the log: when it ended (ms since the epoch), its latency (ms), its script; failed ones have latency null. */
export interface Transaction {
  endMs: number;
  latencyMs: number | null;
  script: ScriptName;
}

/** A pgbench run in the background until stopped. */
export class Workload {
  private readonly child: ChildProcess;
  private readonly exited: Promise<number | null>;
  private stderr = '';

  constructor(private readonly settings: WorkloadSettings) {
    const files = SCRIPTS.map((name) => {
      const path = join(settings.dir, `${name}.sql`);
      writeFileSync(path, SCRIPT_TEXT[name]);
      return `${path}@${WEIGHTS[name]}`;
    });
    const args = [
      '-n', '-h', '127.0.0.1', '-p', String(settings.port), '-U', 'postgres',
      '-c', String(settings.clients), '-j', '1', '-R', String(settings.rate), '-T', '86400',
      '-D', `tracks=${settings.tracks}`, '-l', `--log-prefix=${join(settings.dir, settings.label)}`,
      ...files.flatMap((f) => ['-f', f]), settings.database,
    ];
    this.child = spawn(join(serverBinDir(), 'pgbench'), args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, PGAPPNAME: 'pgbench' } });
    this.child.stderr?.on('data', (chunk: Buffer) => (this.stderr = (this.stderr + chunk.toString()).slice(-4000)));
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }

  /**
   * Stop pgbench (SIGINT) and read its log. pgbench does not flush its log on a signal: the last few
   * kilobytes (under a second of transactions at 200/s) are lost, so callers stop it a few seconds after
   * the last window they measure.
   */
  async stop(): Promise<Transaction[]> {
    if (this.child.exitCode === null) this.child.kill('SIGINT');
    await this.exited;
    const logs = readdirSync(this.settings.dir).filter((f) => f.startsWith(`${this.settings.label}.`) && !f.endsWith('.sql'));
    if (logs.length === 0) throw new Error(`pgbench wrote no log: ${this.stderr.trim()}`);
    return logs.flatMap((f) => parsePgbenchLog(readFileSync(join(this.settings.dir, f), 'utf8')));
  }
}

/**
 * pgbench's per-transaction log (`-l`, no aggregation): "client tx latency_us script epoch_s epoch_us [lag_us]".
 * The latency field says "skipped" or "failed" instead of a number for a transaction that did not complete.
 */
export function parsePgbenchLog(text: string): Transaction[] {
  const transactions: Transaction[] = [];
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 6) continue;
    const script = SCRIPTS[Number(fields[3])];
    if (script === undefined) continue;
    const latency = Number(fields[2]);
    transactions.push({ endMs: Number(fields[4]) * 1000 + Number(fields[5]) / 1000, latencyMs: Number.isFinite(latency) ? latency / 1000 : null, script });
  }
  return transactions;
}

export interface LatencyFigures {
  transactions: number;
  failed: number;
  tps: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** Latency figures (ms) of the transactions that ended in [fromMs, toMs), optionally of some scripts only. */
export function latencyFigures(all: Transaction[], fromMs: number, toMs: number, scripts: readonly ScriptName[] = SCRIPTS): LatencyFigures {
  const inWindow = all.filter((t) => t.endMs >= fromMs && t.endMs < toMs && scripts.includes(t.script));
  const latencies = inWindow.map((t) => t.latencyMs).filter((l): l is number => l !== null).sort((a, b) => a - b);
  const at = (q: number) => (latencies.length ? latencies[Math.min(latencies.length - 1, Math.ceil(q * latencies.length) - 1)] as number : NaN);
  return {
    transactions: inWindow.length, failed: inWindow.length - latencies.length,
    tps: inWindow.length / Math.max(0.001, (toMs - fromMs) / 1000),
    p50: at(0.5), p95: at(0.95), p99: at(0.99), max: latencies.at(-1) ?? NaN,
  };
}
