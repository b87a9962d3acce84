import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import type { Database, SqlJsStatic } from "sql.js";
import { EngineUnavailableError, QueryError, asError } from "../../core/errors.js";

/** A value as SQLite stores it: its five storage classes. */
export type SqliteValue = number | string | Uint8Array | null;

export interface SqliteRows {
  readonly columns: readonly string[];
  readonly rows: readonly (readonly SqliteValue[])[];
}

/** A read-only SQLite database file, read by SQLite itself compiled to WebAssembly (sql.js, MIT). */
export interface SqliteDatabase {
  query(sql: string): SqliteRows;
  close(): void;
}

let sqlJs: Promise<SqlJsStatic> | undefined;
/** The WebAssembly module loads once per process, on first use. */
function loadSqlJs(): Promise<SqlJsStatic> {
  sqlJs ??= (async () => {
    const { default: init } = await import("sql.js");
    const wasm = createRequire(import.meta.url).resolve("sql.js/dist/sql-wasm.wasm");
    return init({ locateFile: () => wasm });
  })();
  return sqlJs;
}

/** Opens a copy of `file` in memory; the file itself is never written. */
export async function openSqlite(file: string): Promise<SqliteDatabase> {
  const bytes = await readFile(file).catch((error: unknown) => {
    throw new EngineUnavailableError(`Cannot read the SQLite file ${file}`, "Check the path to the Spider data (--data).", { file }, { cause: error });
  });
  const SQL = await loadSqlJs();
  let database: Database;
  try {
    database = new SQL.Database(bytes);
  } catch (error) {
    throw new EngineUnavailableError(`Not a SQLite database: ${file}`, "Point --data at Spider's folder with database/<db>/<db>.sqlite.", { file }, { cause: error });
  }
  return {
    query(sql: string): SqliteRows {
      // A prepared statement, unlike exec(), names the columns of an empty result too.
      try {
        const statement = database.prepare(sql);
        try {
          const rows: SqliteValue[][] = [];
          while (statement.step()) rows.push(statement.get());
          return { columns: statement.getColumnNames(), rows };
        } finally {
          statement.free();
        }
      } catch (error) {
        const message = asError(error).message;
        throw new QueryError(`SQLite: ${message}`, "The query does not run on SQLite either.", { engineMessage: message, sql }, { cause: error });
      }
    },
    close(): void {
      database.close();
    },
  };
}
