import type pg from 'pg';

/**
 * Which of the objects a revision creates are there now. A revision stopped half-way (or an adopted database)
 * may have some of its tables and columns and not others; a check that counts rows asks the catalog first and
 * counts only what exists, instead of failing on the first missing name.
 */

/** $1 = table names; those that exist (on the search_path). */
const EXISTING_TABLES_SQL = 'SELECT name FROM unnest($1::text[]) AS name WHERE to_regclass(name) IS NOT NULL';

/** $1 = a table, $2 = column names; those the table has (none when the table itself is missing). */
const EXISTING_COLUMNS_SQL = `
  SELECT attname AS name FROM pg_attribute
   WHERE attrelid = to_regclass($1) AND attname = ANY($2::text[]) AND attnum > 0 AND NOT attisdropped`;

export async function existingTables(pool: pg.Pool, names: readonly string[]): Promise<Set<string>> {
  const { rows } = await pool.query<{ name: string }>(EXISTING_TABLES_SQL, [names]);
  return new Set(rows.map((r) => r.name));
}

/** The columns of `names` the table has, in the order given. */
export async function existingColumns(pool: pg.Pool, table: string, names: readonly string[]): Promise<string[]> {
  const { rows } = await pool.query<{ name: string }>(EXISTING_COLUMNS_SQL, [table, names]);
  const present = new Set(rows.map((r) => r.name));
  return names.filter((n) => present.has(n));
}
