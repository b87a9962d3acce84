/**
 * The baseline the benchmarks compare against: @duckdb/node-api used directly, the way a developer would
 * without StreamLink (views over the same Parquet files, results read with getRowsJS). Benchmarks only; the
 * product reaches DuckDB through engines/duckdb alone.
 *
 * `tsx bench/raw-duckdb.ts DIR SQL REPEATS` prints one JSON line per run: {"ms": N, "rows": N}.
 */
import { readdirSync } from "node:fs";
import path from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";

export interface RawSession {
  /** Runs `sql` and reads every row as JS values (`getRowsJS`), as a developer would. */
  query(sql: string): Promise<{ ms: number; rows: number }>;
  /** Runs `sql` and fetches its chunks without reading a value: what DuckDB itself costs, the floor. */
  scan(sql: string): Promise<{ ms: number; rows: number }>;
  close(): void;
}

export async function rawSession(folder: string): Promise<RawSession> {
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  for (const file of readdirSync(folder)) {
    const full = path.join(folder, file);
    const name = path.basename(file, path.extname(file));
    if (file.endsWith(".parquet")) await connection.run(`CREATE VIEW "${name}" AS SELECT * FROM read_parquet('${full}')`);
    else if (!file.includes(".")) await connection.run(`CREATE VIEW "${name}" AS SELECT * FROM read_parquet('${full}/**/*.parquet', hive_partitioning = true)`);
  }
  return {
    async query(sql) {
      const started = performance.now();
      const reader = await connection.runAndReadAll(sql);
      const rows = reader.getRowsJS();
      return { ms: performance.now() - started, rows: rows.length };
    },
    async scan(sql) {
      const started = performance.now();
      const result = await connection.stream(sql);
      let rows = 0;
      for (let chunk = await result.fetchChunk(); chunk && chunk.rowCount > 0; chunk = await result.fetchChunk()) rows += chunk.rowCount;
      return { ms: performance.now() - started, rows };
    },
    close() {
      connection.closeSync();
      instance.closeSync();
    },
  };
}

/** Generates `rows` synthetic patent rows with a long-tailed assignee column, as one Parquet file. */
export async function generate(file: string, rows: number): Promise<void> {
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  await connection.run(`
    COPY (
      SELECT 'US-' || (10000000 + i)::VARCHAR || '-B2' AS publication_number,
             CASE WHEN i % 97 = 0 THEN 'Intel Corporation' WHEN i % 89 = 0 THEN 'NVIDIA Corporation'
                  ELSE 'Assignee ' || (hash(i) % 50000)::VARCHAR END AS assignee,
             'G06F' || (hash(i * 7) % 40)::VARCHAR || '/' || (hash(i * 13) % 100)::VARCHAR AS cpc,
             DATE '1990-01-01' + CAST(hash(i * 3) % 12000 AS INTEGER) AS grant_date,
             CAST(hash(i * 5) % 40 + 1 AS INTEGER) AS num_claims,
             'Method and system for ' || (hash(i * 11) % 1000)::VARCHAR AS title
      FROM range(${rows}) t(i)
    ) TO '${file}' (FORMAT parquet, ROW_GROUP_SIZE 1000000)`);
  connection.closeSync();
  instance.closeSync();
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [folder = "", sql = "", repeats = "1"] = process.argv.slice(2);
  const session = await rawSession(folder);
  for (let i = 0; i < Number(repeats); i++) process.stdout.write(`${JSON.stringify(await session.query(sql))}\n`);
  session.close();
}
