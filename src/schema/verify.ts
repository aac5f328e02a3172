import type pg from 'pg';
import { COLUMNS, CONSTRAINTS, INDEXES, SCORE_COLUMNS, TABLES, type ColumnSpec, type ConstraintSpec, type IndexSpec } from '../shared/db/schemaSpec.js';
import { fail, type Check, type VerifyReport } from './checks.js';
import { checkData } from './verifyData.js';

/**
 * `db verify`: the schema as schemaSpec says (every column, index and constraint, and valid), then the data
 * checks of the upgrade. Each check is a PASS/FAIL/INFO line with its numbers; any FAIL fails the command.
 * Tables the spec does not name (the backfill ledger, the migrations table) are not looked at.
 */

/** Tables of the current schema only; `$1` = table names. */
const SCHEMA_FILTER = `t.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema()) AND t.relname = ANY ($1::text[])`;

const COLUMNS_SQL = `
  SELECT t.relname AS table, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type,
         NOT a.attnotnull AS nullable, col_description(t.oid, a.attnum) AS comment
  FROM pg_class t JOIN pg_attribute a ON a.attrelid = t.oid
  WHERE ${SCHEMA_FILTER} AND t.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped`;

const INDEXES_SQL = `
  SELECT i.relname AS name, t.relname AS table, x.indisvalid AS valid, x.indisunique AS unique,
         ARRAY(SELECT a.attname::text FROM unnest(x.indkey::int2[]) WITH ORDINALITY k(attnum, ord)
               JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum ORDER BY k.ord) AS columns
  FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
  WHERE ${SCHEMA_FILTER}`;

const CONSTRAINTS_SQL = `
  SELECT c.conname AS name, t.relname AS table, c.contype AS type, c.convalidated AS valid,
         ARRAY(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY k(attnum, ord)
               JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum ORDER BY k.ord) AS columns,
         pg_get_constraintdef(c.oid) AS definition
  FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
  WHERE ${SCHEMA_FILTER}`;

interface ColumnRow { table: string; name: string; type: string; nullable: boolean; comment: string | null }
interface IndexRow { name: string; table: string; valid: boolean; unique: boolean; columns: string[] }
interface ConstraintRow { name: string; table: string; type: string; valid: boolean; columns: string[]; definition: string }

export interface VerifyOptions {
  /** Check only objects of these revisions (after `migrate --to`); default: every revision in the spec. */
  revisions?: string[];
  /** Skip the data checks (they scan the tables). */
  schemaOnly?: boolean;
}

export async function verifyDatabase(pool: pg.Pool, options: VerifyOptions = {}): Promise<VerifyReport> {
  const wanted = (r: { revision: string }) => !options.revisions || options.revisions.includes(r.revision);
  const schema = await checkSchema(pool, COLUMNS.filter(wanted), INDEXES.filter(wanted), CONSTRAINTS.filter(wanted));
  const analysisSchemaOk = schema.every((c) => c.status !== 'FAIL') && COLUMNS.filter(wanted).some((c) => c.table === 'analysis_history');
  const data = options.schemaOnly
    ? []
    : analysisSchemaOk
      ? await checkData(pool, SCORE_COLUMNS)
      : [{ area: 'data' as const, name: 'data checks', status: 'INFO' as const, detail: 'skipped: the analysis schema is not in place', numbers: {} }];
  const checks = [...schema, ...data];
  return { ok: checks.every((c) => c.status !== 'FAIL'), checks };
}

async function checkSchema(pool: pg.Pool, columns: ColumnSpec[], indexes: IndexSpec[], constraints: ConstraintSpec[]): Promise<Check[]> {
  const [cols, idx, cons] = await Promise.all([
    pool.query<ColumnRow>(COLUMNS_SQL, [TABLES]),
    pool.query<IndexRow>(INDEXES_SQL, [TABLES]),
    pool.query<ConstraintRow>(CONSTRAINTS_SQL, [TABLES]),
  ]);
  const tables = [...new Set(columns.map((c) => c.table))];
  return [
    ...tables.map((table) => columnCheck(table, columns.filter((c) => c.table === table), cols.rows)),
    ...indexes.map((spec) => indexCheck(spec, idx.rows)),
    ...constraints.map((spec) => constraintCheck(spec, cons.rows)),
  ];
}

function columnCheck(table: string, specs: ColumnSpec[], rows: ColumnRow[]): Check {
  const actual = rows.filter((r) => r.table === table);
  if (!actual.length) return fail('schema', `table ${table}`, 'missing', { expected_columns: specs.length, matching: 0 });
  const problems = specs.flatMap((spec) => columnProblems(spec, actual.find((r) => r.name === spec.name)));
  const matching = specs.length - new Set(problems.map((p) => p.split(':')[0])).size;
  const numbers = { expected_columns: specs.length, matching };
  const detail = `${matching}/${specs.length} columns as specified (type, nullability, comment)`;
  return problems.length
    ? fail('schema', `table ${table}`, `${detail}; ${problems.join('; ')}`, numbers)
    : { area: 'schema', name: `table ${table}`, status: 'PASS', detail, numbers };
}

function columnProblems(spec: ColumnSpec, row: ColumnRow | undefined): string[] {
  if (!row) return [`${spec.name}: missing`];
  const problems: string[] = [];
  if (row.type !== spec.type) problems.push(`${spec.name}: type ${row.type}, expected ${spec.type}`);
  if (row.nullable !== spec.nullable) problems.push(`${spec.name}: ${row.nullable ? 'nullable' : 'NOT NULL'}, expected ${spec.nullable ? 'nullable' : 'NOT NULL'}`);
  if (spec.comment !== undefined && row.comment !== spec.comment) problems.push(`${spec.name}: comment ${JSON.stringify(row.comment)}, expected ${JSON.stringify(spec.comment)}`);
  return problems;
}

function indexCheck(spec: IndexSpec, rows: IndexRow[]): Check {
  const name = `index ${spec.name}`;
  const row = rows.find((r) => r.name === spec.name);
  const wanted = `${spec.table} (${spec.columns.join(', ')})`;
  if (!row) return fail('schema', name, `missing (expected on ${wanted})`, { present: 0 });
  const actual = `${row.table} (${row.columns.join(', ')})`;
  if (actual !== wanted) return fail('schema', name, `on ${actual}, expected on ${wanted}`, { present: 1 });
  if (!row.valid) return fail('schema', name, `on ${actual} but INVALID (an interrupted concurrent build): run db migrate again`, { present: 1, valid: 0 });
  return { area: 'schema', name, status: 'PASS', detail: `on ${actual}, valid`, numbers: { present: 1, valid: 1 } };
}

const CONSTRAINT_KIND = { c: 'check', f: 'foreign key', u: 'unique key', p: 'primary key' } as const;

function constraintCheck(spec: ConstraintSpec, rows: ConstraintRow[]): Check {
  const kind = CONSTRAINT_KIND[spec.type];
  const name = spec.name ? `constraint ${spec.name}` : `${kind} of ${spec.table}`;
  const wanted = `${spec.table} (${spec.columns.join(', ')})`;
  const row = rows.find((r) => (spec.name ? r.name === spec.name : r.table === spec.table && r.type === spec.type));
  if (!row) return fail('schema', name, `missing (expected ${kind} on ${wanted})`, { present: 0 });
  const actual = `${row.table} (${row.columns.join(', ')})`;
  if (row.type !== spec.type || actual !== wanted) {
    return fail('schema', name, `${row.definition} on ${row.table}, expected ${kind} on ${wanted}`, { present: 1 });
  }
  if (spec.type === 'f' && !/REFERENCES tracks\(id\)/.test(row.definition)) {
    return fail('schema', name, `${row.definition}, expected REFERENCES tracks(id)`, { present: 1 });
  }
  if (!row.valid) return fail('schema', name, `${kind} on ${actual} is NOT VALID: run db migrate again to validate it`, { present: 1, valid: 0 });
  return { area: 'schema', name, status: 'PASS', detail: `${kind} on ${actual}, validated`, numbers: { present: 1, valid: 1 } };
}
