import type { DuckDBConnection } from "@duckdb/node-api";
import type { Catalog, ColumnInfo, TableInfo } from "../../core/catalog.js";
import { quotedIdentifier } from "../../core/sql-text.js";

/** Reads the user-visible tables and views of the main schema; DuckDB's own system views are left out. */
export async function introspect(connection: DuckDBConnection): Promise<Catalog> {
  const reader = await connection.runAndReadAll(
    `SELECT table_name, column_name, data_type, is_nullable
       FROM information_schema.columns
      WHERE table_schema = 'main' AND table_catalog = current_database()
      ORDER BY table_name, ordinal_position`,
  );
  const byTable = new Map<string, ColumnInfo[]>();
  for (const [table, column, type, nullable] of reader.getRows()) {
    const name = String(table);
    const columns = byTable.get(name) ?? [];
    columns.push({ name: String(column), type: String(type).toUpperCase(), nullable: nullable !== "NO" });
    byTable.set(name, columns);
  }
  const tables: TableInfo[] = [];
  for (const [name, columns] of byTable) tables.push({ name, columns, rowCount: await countRows(connection, name) });
  return { tables, functions: await functionNames(connection) };
}

/**
 * What a query may call by name: scalar and aggregate functions and macros (table functions read files or
 * settings, which the checker refuses); operators (`+`, `~~`) and internal helpers (`__…`) are left out.
 */
async function functionNames(connection: DuckDBConnection): Promise<string[]> {
  const reader = await connection.runAndReadAll(
    `SELECT DISTINCT lower(function_name) FROM duckdb_functions()
      WHERE function_type IN ('scalar', 'aggregate', 'macro') ORDER BY 1`,
  );
  return reader.getRows().map(([name]) => String(name)).filter((name) => /^[a-z][a-z0-9_]*$/.test(name));
}

/**
 * Row counts let the checker judge cartesian products by size. Parquet answers count(*) from its footers;
 * CSV would need a scan, so its count is left unknown.
 */
async function countRows(connection: DuckDBConnection, table: string): Promise<number | undefined> {
  const quoted = quotedIdentifier(table);
  const plan = await connection.runAndReadAll(`SELECT sql FROM duckdb_views() WHERE view_name = $1`, [table]);
  const definition = String(plan.getRows()[0]?.[0] ?? "");
  if (!/read_parquet/i.test(definition)) return undefined;
  const reader = await connection.runAndReadAll(`SELECT count(*) FROM ${quoted}`);
  return Number(reader.getRows()[0]?.[0] ?? 0);
}
