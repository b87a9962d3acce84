import type { Catalog, ColumnInfo, TableInfo } from "../../core/catalog.js";
import { quotedIdentifier } from "../../core/sql-text.js";
import { fetchTable, waitForState } from "./fetch.js";
import { ThriftCallError, type HiveConnection, type RunningOperation } from "./thrift-client.js";

/** Tables of the `default` database keep their bare name; others (and global temp views) are qualified. */
const DEFAULT_DATABASE = "default";

/**
 * Reads every table's columns with one HiveServer2 GetColumns call (what `DESCRIBE` shows for each table, plus
 * nullability), in ordinal order.
 */
export async function introspect(connection: HiveConnection): Promise<Catalog> {
  const operation = await connection.columnsMetadata();
  try {
    const { table } = await fetchTable(connection, operation, Number.MAX_SAFE_INTEGER);
    const column = (name: string) => table.getChild(name);
    const schemas = column("TABLE_SCHEM");
    const names = column("TABLE_NAME");
    const columnNames = column("COLUMN_NAME");
    const types = column("TYPE_NAME");
    const nullable = column("NULLABLE");
    if (!schemas || !names || !columnNames || !types || !nullable) {
      throw new Error("GetColumns returned an unexpected result; is this a Spark Thrift server?");
    }
    const byTable = new Map<string, ColumnInfo[]>();
    for (let r = 0; r < table.numRows; r++) {
      const schema = String(schemas.get(r) ?? "");
      const name = schema === DEFAULT_DATABASE || schema === "" ? String(names.get(r)) : `${schema}.${String(names.get(r))}`;
      const columns = byTable.get(name) ?? [];
      // JDBC NULLABLE: 0 = no nulls, 1 = nullable, 2 = unknown.
      columns.push({ name: String(columnNames.get(r)), type: String(types.get(r)).toUpperCase(), nullable: Number(nullable.get(r)) !== 0 });
      byTable.set(name, columns);
    }
    const tableNames = [...byTable.keys()].sort((a, b) => a.localeCompare(b));
    const counts = await rowCounts(connection, tableNames);
    const tables: TableInfo[] = tableNames.map((name, i) => {
      const rowCount = counts?.[i];
      return { name, columns: byTable.get(name) ?? [], ...(rowCount !== undefined ? { rowCount } : {}) };
    });
    const functions = await functionNames(connection);
    return functions ? { tables, functions } : { tables };
  } finally {
    await connection.closeOperation(operation).catch(() => undefined);
  }
}

/**
 * Every table's row count in one statement (one Spark job: counts of Parquet-backed tables come from the files'
 * footers), for the checker's cartesian rule and the `confirm_rows` estimate. A table Spark cannot count (a view
 * that fails) leaves the whole catalog without counts rather than without tables.
 */
async function rowCounts(connection: HiveConnection, names: readonly string[]): Promise<number[] | undefined> {
  if (names.length === 0) return [];
  const from = (name: string): string => name.split(".").map((part) => quotedIdentifier(part, "spark")).join(".");
  const sql = names.map((name, i) => `SELECT ${i} AS i, count(*) AS n FROM ${from(name)}`).join("\nUNION ALL\n");
  let operation: RunningOperation | undefined;
  try {
    operation = await connection.execute(sql);
    if ((await waitForState(connection, operation, () => undefined)).state !== "finished") return undefined;
    const { table } = await fetchTable(connection, operation, names.length);
    const index = table.getChild("i");
    const n = table.getChild("n");
    const counts: number[] = [];
    for (let r = 0; r < table.numRows; r++) counts[Number(index?.get(r))] = Number(n?.get(r));
    return counts;
  } catch (error) {
    if (error instanceof ThriftCallError) return undefined;
    throw error;
  } finally {
    if (operation) await connection.closeOperation(operation).catch(() => undefined);
  }
}

/**
 * Spark's built-in and registered functions (GetFunctions), lower case; operators such as `+` are left out.
 * A server that refuses the call still has a usable catalog: completion then offers no functions.
 */
async function functionNames(connection: HiveConnection): Promise<string[] | undefined> {
  let operation: RunningOperation;
  try {
    operation = await connection.functionsMetadata();
  } catch (error) {
    if (error instanceof ThriftCallError) return undefined;
    throw error;
  }
  try {
    const { table } = await fetchTable(connection, operation, Number.MAX_SAFE_INTEGER);
    const names = [...(table.getChild("FUNCTION_NAME") ?? [])].map((name) => String(name).toLowerCase());
    return [...new Set(names)].filter((name) => /^[a-z][a-z0-9_]*$/.test(name)).sort();
  } finally {
    await connection.closeOperation(operation).catch(() => undefined);
  }
}
