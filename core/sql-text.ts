import type { Dialect } from "./engine.js";

/**
 * The only quoting code: a string literal and an identifier as each dialect writes them, so that a value or a
 * name from the data can never end the literal or name it sits in.
 */
const QUOTING: Readonly<Record<Dialect, { readonly string: (text: string) => string; readonly identifier: (name: string) => string }>> = {
  duckdb: {
    string: (text) => `'${text.replaceAll("'", "''")}'`,
    identifier: (name) => `"${name.replaceAll('"', '""')}"`,
  },
  // Spark SQL reads a backslash as an escape inside literals and joins adjacent literals ('a''b' is 'ab').
  spark: {
    string: (text) => `'${text.replaceAll("\\", "\\\\").replaceAll("'", "\\'")}'`,
    identifier: (name) => `\`${name.replaceAll("`", "``")}\``,
  },
};

/** `it's` → `'it''s'` (DuckDB) or `'it\'s'` (Spark). */
export function quotedString(text: string, dialect: Dialect = "duckdb"): string {
  return QUOTING[dialect].string(text);
}

/** `my "col"` → `"my ""col"""` (DuckDB) or `` `my "col"` `` (Spark). */
export function quotedIdentifier(name: string, dialect: Dialect = "duckdb"): string {
  return QUOTING[dialect].identifier(name);
}
