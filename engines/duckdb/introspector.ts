import type { DuckDBConnection } from "@duckdb/node-api";
import type { Catalog, ColumnInfo, TableInfo } from "../../core/catalog.js";

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
  const tables: TableInfo[] = [...byTable].map(([name, columns]) => ({ name, columns }));
  return { tables };
}
