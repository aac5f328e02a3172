import pg from 'pg';
import { pino } from 'pino';

/**
 * A snapshot of the schema as the catalog sees it — tables and sequences (with comments), columns (type,
 * nullability, default, comment), indexes (full definition, validity) and constraints (definition,
 * validity) — so "up, down, up" can be compared exactly, not just "no error". The migrations table and
 * its sequence are left out: they record history, not schema.
 */

export const silentLogger = pino({ level: 'silent' });

const RELATIONS_SQL = `
  SELECT c.relname AS name, c.relkind AS kind, obj_description(c.oid, 'pg_class') AS comment
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'S', 'v', 'm') AND c.relname NOT LIKE 'tracktion_migrations%'
  ORDER BY c.relname`;

const COLUMNS_SQL = `
  SELECT c.relname AS table, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS not_null,
         pg_get_expr(d.adbin, d.adrelid) AS default, col_description(c.oid, a.attnum) AS comment
  FROM pg_attribute a
  JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
  WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
    AND c.relname NOT LIKE 'tracktion_migrations%'
  ORDER BY c.relname, a.attname`;

const INDEXES_SQL = `
  SELECT i.relname AS name, pg_get_indexdef(x.indexrelid) AS definition, x.indisvalid AS valid
  FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
  JOIN pg_namespace n ON n.oid = t.relnamespace
  WHERE n.nspname = 'public' AND t.relname NOT LIKE 'tracktion_migrations%'
  ORDER BY i.relname`;

const CONSTRAINTS_SQL = `
  SELECT c.conname AS name, t.relname AS table, c.contype AS type, pg_get_constraintdef(c.oid) AS definition,
         c.convalidated AS validated
  FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace
  WHERE n.nspname = 'public' AND t.relname NOT LIKE 'tracktion_migrations%'
  ORDER BY t.relname, c.conname`;

export interface CatalogSnapshot {
  relations: unknown[];
  columns: unknown[];
  indexes: unknown[];
  constraints: unknown[];
}

export async function catalogSnapshot(databaseUrl: string): Promise<CatalogSnapshot> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const [relations, columns, indexes, constraints] = [
      await client.query(RELATIONS_SQL),
      await client.query(COLUMNS_SQL),
      await client.query(INDEXES_SQL),
      await client.query(CONSTRAINTS_SQL),
    ];
    return { relations: relations.rows, columns: columns.rows, indexes: indexes.rows, constraints: constraints.rows };
  } finally {
    await client.end();
  }
}

/** Run SQL on a short-lived connection (test set-up). */
export async function sql(databaseUrl: string, text: string, params: unknown[] = []): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return await client.query(text, params);
  } finally {
    await client.end();
  }
}

/** A connection that stays open (holds a lock or a transaction) until `end()`. */
export async function openSession(databaseUrl: string, applicationName: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: databaseUrl, application_name: applicationName });
  await client.connect();
  client.on('error', () => undefined); // terminated on purpose by some tests
  return client;
}

export const BASELINE = 'Baseline1732500000000';
export const ANALYSIS_FIELDS = 'AnalysisFields1732500001000';
