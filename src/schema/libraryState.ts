import type pg from 'pg';
import { ANALYSIS_FIELDS, COLUMNS, CONSTRAINTS, INDEXES } from '../shared/db/schemaSpec.js';
import { ALEMBIC_ANALYSIS_REVISION, ALEMBIC_BEFORE_ANALYSIS, alembicVersion } from './alembic.js';
import { findConstraint, readCatalog, type Catalog } from './catalog.js';
import { BUILD_COMMAND, pendingIndexes, poolQuery, type DeferredIndex } from './deferredIndexes.js';
import { describeDuplicates, findHistoryDuplicates, type HistoryDuplicates } from './historyDuplicates.js';

/**
 * The state a library is in, as `db status` tells it: which objects of the analysis upgrade exist (under which
 * names), which are missing or left unfinished, whether the application's Alembic knows of the upgrade, and
 * what `db migrate` will do about it. A library may come from this tool, from the application's own Alembic
 * revision, or from a `db migrate` that was interrupted; `db migrate` brings every state to the same schema.
 */

export type LibraryStateName = 'empty' | 'legacy' | 'partly-upgraded' | 'upgraded';

export interface LibraryState {
  state: LibraryStateName;
  /** The application's Alembic revision (alembic_version), or null when the library has none. */
  alembicVersion: string | null;
  /** Objects of the analysis upgrade that exist: `tracks.energy_level`, `table analysis_history`, index and constraint names. */
  present: string[];
  missing: string[];
  /** INVALID indexes (an interrupted concurrent build) and NOT VALID constraints. */
  invalid: string[];
  /**
   * Indexes left for later by `db migrate --defer-indexes` and not built yet (absent or INVALID); they are in
   * neither `missing` nor `invalid`, and do not make the library partly upgraded.
   */
  deferred: DeferredIndex[];
  /** Objects that exist under another name than ours and stand for ours. */
  adopted: { expected: string; found: string }[];
  /** History rows in the way of the unique key (only asked where the history has no unique key). */
  duplicateHistoryRows: number;
  /** What `db migrate` will do, one sentence each. */
  migrateWill: string[];
  /** What else is worth knowing: legacy column types, the application's own columns, an unknown Alembic revision. */
  notes: string[];
}

export async function readLibraryState(pool: pg.Pool): Promise<LibraryState> {
  const query = async (sql: string, params: unknown[]) => (await pool.query(sql, params)).rows as Record<string, unknown>[];
  const [catalog, alembic, duplicates, deferred] = await Promise.all([
    readCatalog(pool), alembicVersion(query), findHistoryDuplicates(query), pendingIndexes(poolQuery(pool)),
  ]);
  return classifyLibrary(catalog, alembic, duplicates, deferred);
}

const isAnalysis = (spec: { revision: string }) => spec.revision === ANALYSIS_FIELDS;

/** Pure: the state of a library from its catalog, its alembic_version and the duplicates in its history. */
export function classifyLibrary(catalog: Catalog, alembic: string | null, duplicates: HistoryDuplicates, pending: DeferredIndex[] = []): LibraryState {
  const tracks = catalog.columns.filter((c) => c.table === 'tracks');
  const history = catalog.columns.some((c) => c.table === 'analysis_history');
  const present: string[] = [];
  const missing: string[] = [];
  const invalid: string[] = [];
  const adopted: LibraryState['adopted'] = [];

  for (const spec of COLUMNS.filter((c) => isAnalysis(c) && c.table === 'tracks')) {
    (tracks.some((c) => c.name === spec.name) ? present : missing).push(`tracks.${spec.name}`);
  }
  (history ? present : missing).push('table analysis_history');
  const deferred: DeferredIndex[] = [];
  for (const spec of INDEXES.filter(isAnalysis)) {
    const row = catalog.indexes.find((i) => i.name === spec.name);
    const onPurpose = pending.find((d) => d.index === spec.name);
    if (onPurpose && (!row || !row.valid)) deferred.push(onPurpose);
    else if (!row) missing.push(spec.name);
    else (row.valid ? present : invalid).push(spec.name);
  }
  for (const spec of CONSTRAINTS.filter((c) => isAnalysis(c) && c.name)) {
    const row = findConstraint(spec, catalog.constraints);
    const name = spec.name ?? '';
    if (!row) {
      missing.push(name);
      continue;
    }
    if (row.name !== name) adopted.push({ expected: name, found: row.name });
    (row.valid ? present : invalid).push(row.name);
  }

  const state: LibraryStateName = !tracks.length ? 'empty' : !present.length && !invalid.length ? 'legacy' : missing.length || invalid.length ? 'partly-upgraded' : 'upgraded';
  return {
    state, alembicVersion: alembic, present, missing, invalid, deferred, adopted,
    duplicateHistoryRows: duplicates.extraRows,
    migrateWill: migrateWill(state, missing, invalid, adopted, alembic, duplicates),
    notes: [...notes(catalog, alembic), ...deferredNotes(deferred)],
  };
}

function migrateWill(state: LibraryStateName, missing: string[], invalid: string[], adopted: LibraryState['adopted'], alembic: string | null, duplicates: HistoryDuplicates): string[] {
  if (duplicates.keys > 0) return [`stop before changing anything: ${describeDuplicates(duplicates)}`];
  const will: string[] = [];
  if (state === 'empty') will.push('create the legacy table tracks, then apply every revision');
  if (state === 'legacy') will.push('add the analysis columns, analysis_history, its keys, the indexes and the range checks, online');
  if (state === 'partly-upgraded') {
    if (missing.length) will.push(`add what is missing: ${missing.join(', ')}`);
    if (invalid.length) will.push(`finish what an interrupted run left: ${invalid.join(', ')} (an INVALID index is rebuilt, a NOT VALID constraint validated)`);
  }
  for (const a of adopted) will.push(`keep ${a.found} as it is: it stands for ${a.expected}`);
  if (alembic === ALEMBIC_BEFORE_ANALYSIS && state !== 'empty') will.push(`set the application's alembic_version from ${ALEMBIC_BEFORE_ANALYSIS} to ${ALEMBIC_ANALYSIS_REVISION}`);
  return will;
}

/** db migrate leaves a deferred index alone: the note names the command that builds it. */
function deferredNotes(deferred: DeferredIndex[]): string[] {
  if (!deferred.length) return [];
  return [`${deferred.length} index(es) deferred by db migrate --defer-indexes, not built yet: ${deferred.map((d) => d.index).join(', ')} — `
    + `queries on their columns scan the table until then; ${BUILD_COMMAND} (or backfill finalize) builds them`];
}

function notes(catalog: Catalog, alembic: string | null): string[] {
  const out: string[] = [];
  const tracks = catalog.columns.filter((c) => c.table === 'tracks');
  for (const spec of COLUMNS.filter((c) => c.accepts)) {
    const row = tracks.find((c) => c.name === spec.name);
    if (!row) {
      if (tracks.length) out.push(`tracks.${spec.name} is missing: the backfill reads it`);
    } else if (row.type !== spec.type) {
      out.push(spec.accepts?.test(row.type)
        ? `tracks.${spec.name} is ${row.type} (the tool creates ${spec.type}): read as it is`
        : `tracks.${spec.name} is ${row.type}, which the backfill cannot read (it expects ${spec.type} or alike)`);
    }
  }
  if (tracks.find((c) => c.name === 'id')?.type === 'bigint') {
    out.push('tracks.id is bigint while analysis_history.track_id is integer (as the application\'s revision has it): ids above 2147483647 cannot get history rows');
  }
  const ours = new Set(COLUMNS.filter((c) => c.table === 'tracks').map((c) => c.name));
  const own = tracks.filter((c) => !ours.has(c.name)).map((c) => c.name);
  if (own.length) out.push(`tracks has ${own.length} column(s) of the application's (${own.join(', ')}): left as they are`);
  if (alembic !== null && alembic !== ALEMBIC_BEFORE_ANALYSIS && alembic !== ALEMBIC_ANALYSIS_REVISION) {
    out.push(`alembic_version holds ${alembic}, neither ${ALEMBIC_BEFORE_ANALYSIS} nor ${ALEMBIC_ANALYSIS_REVISION}: left as it is (only the application knows its revision graph)`);
  }
  return out;
}
