import { mkdirSync, writeFileSync } from 'node:fs';
import pg from 'pg';
import { pino } from 'pino';
import { getConfig } from '../../src/shared/config.js';
import { ensureDatabaseExists, migrate } from '../../src/schema/migrator.js';
import { urlForDatabase } from '../../src/shared/db/pool.js';
import { allMigrations } from '../../migrations/index.js';

/**
 * Benchmark (not a test): how long does `db migrate` make a busy library's writers wait?
 * 1. a fresh database, the Baseline revision, and 1,000,000 tracks with legacy blobs (generate_series);
 * 2. one writer connection inserting and updating tracks back to back, each write timed;
 * 3. `db migrate` to the latest revision, programmatically, with the configured timeouts;
 * 4. the longest single write while the migration ran (the writer stall), and the total migration time.
 * Usage: npm run bench:migrate [-- ROWS]. Results also go to bench-results/migrate-stall.json.
 */

const ROWS = Number(process.argv[2] ?? 1_000_000);
const SETTLE_MS = 2000;

interface Write { startedAt: number; ms: number }
interface LogEvent { time: number; msg: string; step?: string; ms?: number }

async function main(): Promise<void> {
  const config = getConfig();
  const name = `tm_bench_migrate_${Date.now().toString(36)}`;
  const url = urlForDatabase(config.DATABASE_URL, name);
  await ensureDatabaseExists(url);
  const events: LogEvent[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void events.push(JSON.parse(line) as LogEvent) });
  try {
    await migrate(url, { revisions: allMigrations, to: 'Baseline1732500000000', logger });
    const seedMs = await seed(url, ROWS);
    const writer = startWriter(url, ROWS);
    await sleep(SETTLE_MS);
    const started = Date.now();
    await migrate(url, { revisions: allMigrations, logger });
    const migrateMs = Date.now() - started;
    await sleep(SETTLE_MS);
    const writes = await writer.stop();
    report({ rows: ROWS, seedMs, migrateMs, started, writes, events });
  } finally {
    if (process.env.KEEP_BENCH_DB !== '1') await dropDatabase(config.DATABASE_URL, name);
  }
}

async function seed(url: string, rows: number): Promise<number> {
  const started = Date.now();
  await withClient(url, async (c) => {
    await c.query(
      `INSERT INTO tracks (id, file_path, analysis_data, created_at)
       SELECT g, '/music/' || g || '.mp3',
              json_build_object('energy', (g % 100) / 100.0, 'danceability', (g % 37) / 37.0, 'version', '1.0')::text,
              now() - make_interval(secs => g)
       FROM generate_series(1, $1::int) g`,
      [rows],
    );
    await c.query('ANALYZE tracks');
  });
  return Date.now() - started;
}

/** One connection, one write after another: an INSERT of a new track, then an UPDATE of a random one. */
function startWriter(url: string, rows: number) {
  const writes: Write[] = [];
  let running = true;
  const client = new pg.Client({ connectionString: url, application_name: 'bench writer' });
  const done = (async () => {
    await client.connect();
    let nextId = rows + 1;
    for (let i = 0; running; i++) {
      const startedAt = Date.now();
      const t0 = performance.now();
      if (i % 2 === 0) {
        await client.query(`INSERT INTO tracks (id, file_path, analysis_data, created_at) VALUES ($1, $2, '{"energy":0.4}', now())`, [nextId, `/music/new-${nextId}.mp3`]);
        nextId++;
      } else {
        await client.query('UPDATE tracks SET file_path = file_path WHERE id = $1', [1 + Math.floor(Math.random() * rows)]);
      }
      writes.push({ startedAt, ms: performance.now() - t0 });
    }
    await client.end();
  })();
  return {
    async stop(): Promise<Write[]> {
      running = false;
      await done;
      return writes;
    },
  };
}

function report(r: { rows: number; seedMs: number; migrateMs: number; started: number; writes: Write[]; events: LogEvent[] }): void {
  const during = r.writes.filter((w) => w.startedAt + w.ms >= r.started && w.startedAt <= r.started + r.migrateMs);
  const before = r.writes.filter((w) => w.startedAt + w.ms < r.started);
  const worst = during.reduce<Write | undefined>((a, w) => (!a || w.ms > a.ms ? w : a), undefined);
  const sorted = during.map((w) => w.ms).sort((a, b) => a - b);
  const p99 = sorted[Math.floor(sorted.length * 0.99)] ?? 0;
  const stepAtWorst = worst ? r.events.filter((e) => e.step && e.time >= worst.startedAt).at(0)?.step : undefined;
  const result = {
    rows: r.rows,
    seed_ms: r.seedMs,
    migrate_total_ms: r.migrateMs,
    writes_during_migration: during.length,
    writer_longest_stall_ms: round(worst?.ms ?? 0),
    writer_p99_ms_during_migration: round(p99),
    writer_longest_ms_before_migration: round(Math.max(0, ...before.map((w) => w.ms))),
    step_in_progress_at_longest_stall: stepAtWorst ?? null,
    slowest_steps: r.events.filter((e) => e.step && e.ms !== undefined).sort((a, b) => (b.ms ?? 0) - (a.ms ?? 0)).slice(0, 5).map((e) => `${e.step}: ${e.ms} ms`),
  };
  mkdirSync('bench-results', { recursive: true });
  writeFileSync('bench-results/migrate-stall.json', `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}

async function dropDatabase(adminSourceUrl: string, name: string): Promise<void> {
  await withClient(urlForDatabase(adminSourceUrl, 'postgres'), (c) => c.query(`DROP DATABASE IF EXISTS ${c.escapeIdentifier(name)} WITH (FORCE)`));
}

async function withClient<T>(url: string, work: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round = (ms: number) => Math.round(ms * 10) / 10;

main().catch((err: unknown) => {
  process.stderr.write(`bench:migrate failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
