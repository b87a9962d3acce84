import path from "node:path";
import { QueryError, asError } from "../../core/errors.js";
import { quotedIdentifier, quotedString } from "../../core/sql-text.js";

/** Column types a converted table may use; enough for data coming from loosely typed stores such as SQLite. */
export type ParquetColumnType = "BIGINT" | "DOUBLE" | "VARCHAR" | "BLOB";

export type ParquetCell = bigint | number | string | Uint8Array | null;

/** One table to write: typed columns and its rows, each value already of its column's type or null. */
export interface ParquetTableData {
  readonly name: string;
  readonly columns: readonly { readonly name: string; readonly type: ParquetColumnType }[];
  readonly rows: readonly (readonly ParquetCell[])[];
}

/**
 * Writes each table to `<folder>/<name>.parquet` through a private in-memory DuckDB, so that the files come out
 * with the declared column types. This is a data-preparation tool for trusted input (evaluation sets), never a
 * path for user queries, which is why it does not take the locked-down engine.
 */
export async function writeParquetTables(folder: string, tables: readonly ParquetTableData[]): Promise<void> {
  const { DuckDBInstance } = await import("@duckdb/node-api");
  const instance = await DuckDBInstance.create(":memory:", { threads: "1" });
  const connection = await instance.connect();
  try {
    for (const table of tables) {
      const name = quotedIdentifier(table.name);
      await connection.run(`CREATE TABLE ${name} (${table.columns.map((c) => `${quotedIdentifier(c.name)} ${c.type}`).join(", ")})`);
      const appender = await connection.createAppender(table.name);
      for (const row of table.rows) {
        table.columns.forEach((column, c) => {
          const value = row[c] ?? null;
          if (value === null) appender.appendNull();
          else if (column.type === "BIGINT") appender.appendBigInt(BigInt(value as bigint | number));
          else if (column.type === "DOUBLE") appender.appendDouble(Number(value));
          else if (column.type === "BLOB") appender.appendBlob(value instanceof Uint8Array ? value : new TextEncoder().encode(String(value)));
          else appender.appendVarchar(String(value));
        });
        appender.endRow();
      }
      appender.closeSync();
      const file = path.join(folder, `${table.name}.parquet`);
      await connection.run(`COPY ${name} TO ${quotedString(file)} (FORMAT parquet)`);
    }
  } catch (error) {
    const message = asError(error).message;
    throw new QueryError(`Could not write Parquet files to ${folder}: ${message}`, "Check that the folder is writable and the values match their column types.", { folder, engineMessage: message }, { cause: error });
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}
