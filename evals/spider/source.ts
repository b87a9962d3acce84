import { duckdbConnector } from "../../engines/duckdb/engine.js";
import { QueryError, asError } from "../../core/errors.js";
import type { EvalSource, GoldResult } from "../harness.js";
import { tableRows } from "../compare.js";
import { convertSqliteToParquet } from "./convert.js";
import { sqliteFile } from "./dataset.js";
import { openSqlite, type SqliteDatabase } from "./sqlite.js";
import { translateSqliteToDuckdb } from "./translate.js";

/** Gold results are small; one past this many rows is a broken gold query, not an answer. */
const GOLD_MAX_ROWS = 100_000;

/**
 * One Spider database for the harness: converted once to Parquet under `cacheRoot`, opened in the same locked
 * DuckDB engine that `%%sql` uses. Gold SQL is translated from SQLite and run on that engine; when it still does
 * not run there, its rows come from SQLite itself (sql.js) so that no question is dropped.
 */
export async function openSpiderSource(dataDir: string, cacheRoot: string, db: string): Promise<EvalSource> {
  const file = sqliteFile(dataDir, db);
  const folder = await convertSqliteToParquet(file, cacheRoot, db);
  const engine = await duckdbConnector.connect({ kind: "duckdb", target: folder, name: db });
  let sqlite: SqliteDatabase | undefined;
  return {
    engine,
    async gold(sql: string): Promise<GoldResult> {
      const translation = translateSqliteToDuckdb(sql);
      try {
        const result = await engine.execute(translation.sql, { maxRows: GOLD_MAX_ROWS });
        if (result.truncated) throw new QueryError(`The gold query returns more than ${GOLD_MAX_ROWS} rows`, "Check the gold SQL.", { sql });
        return { ...tableRows(result.table), engine: "duckdb", sql: translation.sql, rules: translation.rules };
      } catch (error) {
        if (!(error instanceof QueryError)) throw error;
        sqlite ??= await openSqlite(file);
        const rows = sqlite.query(sql);
        return { columns: rows.columns, rows: rows.rows, engine: "sqlite", sql, rules: [`duckdb-failed: ${asError(error).message.split("\n")[0]}`] };
      }
    },
    async close(): Promise<void> {
      sqlite?.close();
      await engine.close();
    },
  };
}
