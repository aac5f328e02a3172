import type pg from 'pg';
import { COLUMNS, CONSTRAINTS, INDEXES, SCORE_COLUMNS, type ColumnSpec, type ConstraintSpec, type IndexSpec } from '../shared/db/schemaSpec.js';
import { BUILD_COMMAND, pendingIndexes, poolQuery, type DeferredIndex } from './deferredIndexes.js';
import { findConstraint, readCatalog, type ColumnRow, type ConstraintRow, type IndexRow } from './catalog.js';
import { fail, type Check, type VerifyReport } from './checks.js';
import { checkData } from './verifyData.js';

/**
 * `db verify`: the schema as schemaSpec says (every column, index and constraint, and valid), then the data
 * checks of the upgrade. Each check is a PASS/FAIL/INFO/WARN line with its numbers; any FAIL fails the command
 * (WARN: an index deferred on purpose, not built yet — it does not).
 * The analysis schema is judged exactly; the legacy `tracks` columns by compatibility (a type the backfill can
 * read; the application's extra columns are its own). Tables the spec does not name (the backfill ledger, the
 * migrations table) are not looked at. The data checks run whenever the objects they read exist — a FAIL
 * elsewhere never hides them; when they cannot run, the INFO line names what is missing.
 */

export interface VerifyOptions {
  /** Check only objects of these revisions (after `migrate --to`); default: every revision in the spec. */
  revisions?: string[];
  /** Skip the data checks (they scan the tables). */
  schemaOnly?: boolean;
}

/** What the data checks read: the score columns and analysis_version of tracks, and analysis_history. */
const DATA_CHECK_COLUMNS = [...SCORE_COLUMNS, 'analysis_version', 'analysis_data'].map((name) => ({ table: 'tracks', name }));

export async function verifyDatabase(pool: pg.Pool, options: VerifyOptions = {}): Promise<VerifyReport> {
  const wanted = (r: { revision: string }) => !options.revisions || options.revisions.includes(r.revision);
  const [{ columns: cols, indexes: idx, constraints: cons }, deferred] = await Promise.all([readCatalog(pool), pendingIndexes(poolQuery(pool))]);
  const columns = COLUMNS.filter(wanted);
  const tables = [...new Set(columns.map((c) => c.table))];
  const schema = [
    ...tables.map((table) => columnCheck(table, columns.filter((c) => c.table === table), cols)),
    ...INDEXES.filter(wanted).map((spec) => indexCheck(spec, idx, deferred.find((d) => d.index === spec.name))),
    ...CONSTRAINTS.filter(wanted).map((spec) => constraintCheck(spec, cons)),
  ];
  const data = options.schemaOnly ? [] : await dataChecks(pool, tables.includes('analysis_history'), cols);
  const checks = [...schema, ...data];
  return { ok: checks.every((c) => c.status !== 'FAIL'), checks };
}

async function dataChecks(pool: pg.Pool, analysisExpected: boolean, rows: ColumnRow[]): Promise<Check[]> {
  const skipped = (why: string): Check[] => [{ area: 'data', name: 'data checks', status: 'INFO', detail: `skipped: ${why}`, numbers: {} }];
  if (!analysisExpected) return skipped('the analysis fields revision is not applied');
  const missing = [
    ...DATA_CHECK_COLUMNS.filter((c) => !rows.some((r) => r.table === c.table && r.name === c.name)).map((c) => `${c.table}.${c.name}`),
    ...(rows.some((r) => r.table === 'analysis_history') ? [] : ['table analysis_history']),
  ];
  if (missing.length) return skipped(`they read ${missing.join(', ')}, which ${missing.length > 1 ? 'are' : 'is'} missing`);
  return checkData(pool, SCORE_COLUMNS);
}

function columnCheck(table: string, specs: ColumnSpec[], rows: ColumnRow[]): Check {
  const actual = rows.filter((r) => r.table === table);
  if (!actual.length) return fail('schema', `table ${table}`, 'missing', { expected_columns: specs.length, matching: 0 });
  const problems = specs.flatMap((spec) => columnProblems(spec, actual.find((r) => r.name === spec.name)));
  const matching = specs.length - new Set(problems.map((p) => p.split(':')[0])).size;
  const numbers = { expected_columns: specs.length, matching };
  const extra = actual.filter((r) => !specs.some((spec) => spec.name === r.name)).length;
  const detail = `${matching}/${specs.length} columns as specified${specs.some((spec) => spec.accepts) ? ' (legacy ones: a type the backfill can read)' : ' (type, nullability, comment)'}` +
    (extra ? `; ${extra} other column(s), left to the application` : '');
  return problems.length
    ? fail('schema', `table ${table}`, `${detail}; ${problems.join('; ')}`, numbers)
    : { area: 'schema', name: `table ${table}`, status: 'PASS', detail, numbers };
}

function columnProblems(spec: ColumnSpec, row: ColumnRow | undefined): string[] {
  if (!row) return [`${spec.name}: missing`];
  if (spec.accepts) return spec.accepts.test(row.type) ? [] : [`${spec.name}: type ${row.type}, which the backfill cannot read (expected ${spec.type} or alike)`];
  const problems: string[] = [];
  if (row.type !== spec.type) problems.push(`${spec.name}: type ${row.type}, expected ${spec.type}`);
  if (row.nullable !== spec.nullable) problems.push(`${spec.name}: ${row.nullable ? 'nullable' : 'NOT NULL'}, expected ${spec.nullable ? 'nullable' : 'NOT NULL'}`);
  if (spec.comment !== undefined && row.comment !== spec.comment) problems.push(`${spec.name}: comment ${JSON.stringify(row.comment)}, expected ${JSON.stringify(spec.comment)}`);
  return problems;
}

function indexCheck(spec: IndexSpec, rows: IndexRow[], deferred: DeferredIndex | undefined): Check {
  const name = `index ${spec.name}`;
  const row = rows.find((r) => r.name === spec.name);
  const wanted = `${spec.table} (${spec.columns.join(', ')})`;
  if (deferred && (!row || !row.valid)) return deferredCheck(name, wanted, deferred, row);
  if (!row) return fail('schema', name, `missing (expected on ${wanted})`, { present: 0 });
  const actual = `${row.table} (${row.columns.join(', ')})`;
  if (actual !== wanted) return fail('schema', name, `on ${actual}, expected on ${wanted}`, { present: 1 });
  if (!row.valid) return fail('schema', name, `on ${actual} but INVALID (an interrupted concurrent build): run db migrate again`, { present: 1, valid: 0 });
  return { area: 'schema', name, status: 'PASS', detail: `on ${actual}, valid`, numbers: { present: 1, valid: 1 } };
}

/** Missing (or INVALID: a build killed half-way) on purpose: a warning naming the command that builds it. */
function deferredCheck(name: string, wanted: string, deferred: DeferredIndex, row: IndexRow | undefined): Check {
  const state = row ? 'INVALID (a build stopped half-way)' : 'not built yet';
  return {
    area: 'schema', name, status: 'WARN',
    detail: `on ${wanted} deferred (db migrate --defer-indexes, ${deferred.deferredAt}), ${state}: queries on these columns scan the table until it is built — run ${BUILD_COMMAND} (or backfill finalize)`,
    numbers: { present: row ? 1 : 0, valid: 0, deferred: 1 },
  };
}

const CONSTRAINT_KIND = { c: 'check', f: 'foreign key', u: 'unique key', p: 'primary key' } as const;

function constraintCheck(spec: ConstraintSpec, rows: ConstraintRow[]): Check {
  const kind = CONSTRAINT_KIND[spec.type];
  const name = spec.name ? `constraint ${spec.name}` : `${kind} of ${spec.table}`;
  const wanted = `${spec.table} (${spec.columns.join(', ')})`;
  const row = findConstraint(spec, rows);
  if (!row) return fail('schema', name, `missing (expected ${kind} on ${wanted})`, { present: 0 });
  const on = `${row.table} (${row.columns.join(', ')})`;
  const actual = `${on}${spec.name && row.name !== spec.name ? ` as ${row.name}` : ''}`;
  if (row.type !== spec.type || on !== wanted) {
    return fail('schema', name, `${row.definition} on ${row.table}, expected ${kind} on ${wanted}`, { present: 1 });
  }
  if (spec.type === 'f' && !/REFERENCES tracks\(id\)/.test(row.definition)) {
    return fail('schema', name, `${row.definition}, expected REFERENCES tracks(id)`, { present: 1 });
  }
  if (!row.valid) return fail('schema', name, `${kind} on ${actual} is NOT VALID: run db migrate again to validate it`, { present: 1, valid: 0 });
  return { area: 'schema', name, status: 'PASS', detail: `${kind} on ${actual}, validated`, numbers: { present: 1, valid: 1 } };
}
