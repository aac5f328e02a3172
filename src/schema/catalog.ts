import type pg from 'pg';
import { TABLES, type ConstraintSpec } from '../shared/db/schemaSpec.js';

/**
 * The catalog as `db verify` and `db status` read it: columns, indexes and constraints of the tables the schema
 * spec names (tracks, analysis_history), in the current schema. Read-only, three small catalog queries.
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

export interface ColumnRow { table: string; name: string; type: string; nullable: boolean; comment: string | null }
export interface IndexRow { name: string; table: string; valid: boolean; unique: boolean; columns: string[] }
export interface ConstraintRow { name: string; table: string; type: string; valid: boolean; columns: string[]; definition: string }

export interface Catalog {
  columns: ColumnRow[];
  indexes: IndexRow[];
  constraints: ConstraintRow[];
}

export async function readCatalog(pool: pg.Pool): Promise<Catalog> {
  const [columns, indexes, constraints] = await Promise.all([
    pool.query<ColumnRow>(COLUMNS_SQL, [TABLES]),
    pool.query<IndexRow>(INDEXES_SQL, [TABLES]),
    pool.query<ConstraintRow>(CONSTRAINTS_SQL, [TABLES]),
  ]);
  return { columns: columns.rows, indexes: indexes.rows, constraints: constraints.rows };
}

/**
 * The constraint that stands for a spec: by its name, else (a spec without a name, or one adopted under any name)
 * the first of the same table, type and columns — a foreign key must reference tracks (id).
 */
export function findConstraint(spec: ConstraintSpec, rows: ConstraintRow[]): ConstraintRow | undefined {
  const sameShape = (r: ConstraintRow) => r.table === spec.table && r.type === spec.type && r.columns.join(', ') === spec.columns.join(', ')
    && (spec.type !== 'f' || /REFERENCES tracks\(id\)/.test(r.definition));
  if (!spec.name) return rows.find((r) => r.table === spec.table && r.type === spec.type);
  return rows.find((r) => r.name === spec.name) ?? (spec.anyName ? rows.find(sameShape) : undefined);
}
