import type pg from 'pg';
import type { SeedShape } from './benchDatabase.js';
import { readProcessCpuSeconds } from './procStats.js';
import { CONVERT_CHUNK_SQL, CREATE_HELPERS_SQL, WRITE_FLOOR_CHUNK_SQL } from './inDatabaseSql.js';

/** One id chunk: the tracks with ids in [startId, endId]. */
interface Chunk {
  startId: number;
  endId: number;
}

export interface ChunkRun {
  sessions: number;
  chunks: number;
  /** Rows written to analysis_history. */
  written: number;
  seconds: number;
  /** CPU seconds its sessions' PostgreSQL backends used (same machine; null when /proc cannot tell). */
  backendCpuSeconds: number | null;
}

export interface InDatabaseSettings {
  sessions: number;
  chunkIds: number;
  analysisVersion: string;
}

/** Run once per bench database, before the first in-database method. */
export async function createHelpers(pool: pg.Pool): Promise<void> {
  await pool.query(CREATE_HELPERS_SQL);
}

/** The reference: the whole conversion as SQL, `sessions` sessions taking id chunks from one shared queue. */
export function convertInDatabase(pool: pg.Pool, shape: SeedShape, settings: InDatabaseSettings): Promise<ChunkRun> {
  const migrationDate = new Date().toISOString();
  return runChunks(pool, shape, settings, (chunk) =>
    [CONVERT_CHUNK_SQL, [chunk.startId, chunk.endId, migrationDate, settings.analysisVersion, 'bench:in-database']]);
}

/** The write path's floor: the same writes with constant values and no JSON work. */
export function writeFloor(pool: pg.Pool, shape: SeedShape, settings: InDatabaseSettings): Promise<ChunkRun> {
  const results = JSON.stringify({
    energy_level: 0.5, danceability: 0.5, valence: 0.5, acousticness: 0.5, instrumentalness: 0.1,
    analysis_version: settings.analysisVersion, confidence_score: 0.8,
    metadata: { migration_date: new Date().toISOString(), original_version: 'legacy', migration_notes: 'Migrated from legacy format',
      defaulted_fields: [], clamped_fields: [] },
  });
  return runChunks(pool, shape, settings, (chunk) =>
    [WRITE_FLOOR_CHUNK_SQL, [chunk.startId, chunk.endId, settings.analysisVersion, results, 'bench:write-floor']]);
}

/**
 * Cut [minId, maxId] into chunks of `chunkIds` ids (id arithmetic is fine here: the reference only needs
 * chunks of roughly equal work) and let each session take the next chunk until none is left. Every chunk
 * is its own autocommitted statement, like a range of the fleet is its own transaction.
 */
async function runChunks(
  pool: pg.Pool, shape: SeedShape, settings: InDatabaseSettings, statement: (chunk: Chunk) => [string, unknown[]],
): Promise<ChunkRun> {
  const chunks: Chunk[] = [];
  for (let start = shape.minId; start <= shape.maxId; start += settings.chunkIds) {
    chunks.push({ startId: start, endId: Math.min(shape.maxId, start + settings.chunkIds - 1) });
  }
  const clients = await Promise.all(Array.from({ length: settings.sessions }, () => pool.connect()));
  let next = 0;
  let written = 0;
  const backends = await Promise.all(clients.map(backendPid));
  const cpuBefore = backendsCpu(backends);
  const started = performance.now();
  try {
    await Promise.all(clients.map(async (client) => {
      for (let chunk = chunks[next++]; chunk !== undefined; chunk = chunks[next++]) {
        const [sql, params] = statement(chunk);
        const result = await client.query(sql, params);
        written += result.rowCount ?? 0;
      }
    }));
  } finally {
    for (const client of clients) client.release();
  }
  const seconds = (performance.now() - started) / 1000;
  const cpuAfter = backendsCpu(backends);
  const backendCpuSeconds = cpuBefore === null || cpuAfter === null ? null : Math.round((cpuAfter - cpuBefore) * 100) / 100;
  return { sessions: settings.sessions, chunks: chunks.length, written, seconds, backendCpuSeconds };
}

async function backendPid(client: pg.PoolClient): Promise<number> {
  const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  return (rows[0] as { pid: number }).pid;
}

/** The sessions' backends' CPU seconds together; null when one cannot be read (another machine). */
function backendsCpu(pids: number[]): number | null {
  let sum = 0;
  for (const pid of pids) {
    const cpu = readProcessCpuSeconds(pid);
    if (cpu === undefined) return null;
    sum += cpu;
  }
  return sum;
}
