/**
 * An unlocked DuckDB instance for the data tools (`streamlink data import|generate`, `bench:scale`) only.
 *
 * The user-facing engine is locked down (no file writes); importers and the generator must write Parquet, so they
 * get their own instance here. Nothing a notebook user types can reach it: the kernel never constructs one.
 * @duckdb/node-api is loaded lazily so that importing this module costs nothing until a tool runs.
 */
import type { DuckDBAppender, DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import { EngineUnavailableError, QueryError, asError } from "../../core/errors.js";
import { quotedIdentifier, quotedString } from "../../core/sql-text.js";

/** A value as read back from a query (DuckDB's JSON conversion: BIGINT and DECIMAL arrive as strings). */
export type WorkbenchValue = string | number | boolean | null | WorkbenchValue[] | { [key: string]: WorkbenchValue };

/** Column types the data tools stage rows in; dates are appended as ISO text into DATE columns via a cast. */
export type StagingType = "VARCHAR" | "INTEGER" | "BIGINT" | "DOUBLE" | "TINYINT";

export interface StagingColumn {
  readonly name: string;
  readonly type: StagingType;
}

/** One staged value; `undefined` is not allowed so that every missing value is an explicit NULL. */
export type StagingValue = string | number | null;

/** Rows appended in order; the appender flushes to the table in DuckDB's own chunks, so memory stays bounded. */
export interface RowSink {
  append(row: readonly StagingValue[]): void;
  /** Rows appended so far. */
  readonly count: number;
  close(): void;
}

export interface WorkbenchOptions {
  /** Database file for staging tables (spills to disk instead of memory); `:memory:` when omitted. */
  readonly databasePath?: string;
  /** DuckDB `memory_limit`, e.g. `2GB`; DuckDB spills sorts and joins to `tempDirectory` beyond it. */
  readonly memoryLimit?: string;
  readonly threads?: number;
  readonly tempDirectory?: string;
}

export interface ParquetCopyOptions {
  /** `ORDER BY` clause body applied before writing, e.g. `publication_number, sequence`. */
  readonly orderBy?: string;
  /** Rows per row group: smaller groups make min/max statistics prune more finely. */
  readonly rowGroupSize?: number;
  readonly compression?: "zstd" | "snappy" | "uncompressed";
  /** Hive-style partition columns (`col=value/` folders). */
  readonly partitionBy?: readonly string[];
  /** Overwrite existing output (needed with `partitionBy` when the folder exists). */
  readonly overwrite?: boolean;
}

type NodeApi = typeof import("@duckdb/node-api");

let nodeApi: Promise<NodeApi> | undefined;
function loadNodeApi(): Promise<NodeApi> {
  nodeApi ??= import("@duckdb/node-api");
  return nodeApi;
}

class AppenderSink implements RowSink {
  #count = 0;
  readonly #appender: DuckDBAppender;
  readonly #types: readonly StagingType[];

  constructor(appender: DuckDBAppender, types: readonly StagingType[]) {
    this.#appender = appender;
    this.#types = types;
  }

  get count(): number {
    return this.#count;
  }

  append(row: readonly StagingValue[]): void {
    if (row.length !== this.#types.length) {
      throw new QueryError(`Staging row has ${row.length} values, the table has ${this.#types.length} columns.`, "This is a bug in the importer; report it with the input file.");
    }
    const a = this.#appender;
    for (let i = 0; i < row.length; i++) {
      const v = row[i];
      if (v === null || v === undefined) {
        a.appendNull();
        continue;
      }
      switch (this.#types[i]) {
        case "VARCHAR":
          a.appendVarchar(String(v));
          break;
        case "INTEGER":
          a.appendInteger(Number(v));
          break;
        case "TINYINT":
          a.appendTinyInt(Number(v));
          break;
        case "BIGINT":
          a.appendBigInt(BigInt(v));
          break;
        case "DOUBLE":
          a.appendDouble(Number(v));
          break;
      }
    }
    a.endRow();
    this.#count++;
  }

  close(): void {
    this.#appender.flushSync();
    this.#appender.closeSync();
  }
}

/**
 * Owner of one DuckDB instance and connection for data tools. Close it when done (`close()`), as every native handle.
 */
export class ParquetWorkbench {
  readonly #instance: DuckDBInstance;
  readonly #connection: DuckDBConnection;

  private constructor(instance: DuckDBInstance, connection: DuckDBConnection) {
    this.#instance = instance;
    this.#connection = connection;
  }

  /** Opens a fresh instance with the given resource limits. */
  static async open(options: WorkbenchOptions = {}): Promise<ParquetWorkbench> {
    let api: NodeApi;
    try {
      api = await loadNodeApi();
    } catch (e) {
      throw new EngineUnavailableError("DuckDB (@duckdb/node-api) could not be loaded.", "Run `npm install` in the StreamLink folder.", {}, { cause: asError(e) });
    }
    const instance = await api.DuckDBInstance.create(options.databasePath ?? ":memory:");
    const connection = await instance.connect();
    const bench = new ParquetWorkbench(instance, connection);
    try {
      if (options.memoryLimit !== undefined) await bench.run(`SET memory_limit = ${quotedString(options.memoryLimit)}`);
      if (options.threads !== undefined) await bench.run(`SET threads = ${Math.max(1, Math.floor(options.threads))}`);
      if (options.tempDirectory !== undefined) await bench.run(`SET temp_directory = ${quotedString(options.tempDirectory)}`);
      // Parquet is written in the order we ask for; without this DuckDB may reorder rows between threads.
      await bench.run("SET preserve_insertion_order = true");
    } catch (e) {
      bench.close();
      throw e;
    }
    return bench;
  }

  /** Runs one or more statements, discarding any result. */
  async run(sql: string): Promise<void> {
    try {
      await this.#connection.run(sql);
    } catch (e) {
      throw wrapQueryError(e, sql);
    }
  }

  /** Runs a query and returns its rows as plain objects; for small results (statistics, lookups). */
  async query(sql: string): Promise<Record<string, WorkbenchValue>[]> {
    try {
      const reader = await this.#connection.runAndReadAll(sql);
      return reader.getRowObjectsJson() as Record<string, WorkbenchValue>[];
    } catch (e) {
      throw wrapQueryError(e, sql);
    }
  }

  /** Creates (or replaces) a table and returns a sink that appends rows to it. */
  async createTable(name: string, columns: readonly StagingColumn[]): Promise<RowSink> {
    const cols = columns.map((c) => `${quotedIdentifier(c.name)} ${c.type}`).join(", ");
    await this.run(`CREATE OR REPLACE TABLE ${quotedIdentifier(name)} (${cols})`);
    const appender = await this.#connection.createAppender(name);
    return new AppenderSink(appender, columns.map((c) => c.type));
  }

  /**
   * Writes the result of `select` to a Parquet file (or, with `partitionBy`, a folder of them) and returns the row
   * count. Row-group statistics (min/max/null count per column) are always written by DuckDB.
   */
  async copyToParquet(select: string, path: string, options: ParquetCopyOptions = {}): Promise<number> {
    const body = options.orderBy ? `SELECT * FROM (${select}) ORDER BY ${options.orderBy}` : select;
    const opts = [`FORMAT parquet`, `COMPRESSION ${options.compression ?? "zstd"}`];
    if (options.rowGroupSize !== undefined) opts.push(`ROW_GROUP_SIZE ${Math.floor(options.rowGroupSize)}`);
    if (options.partitionBy && options.partitionBy.length > 0) opts.push(`PARTITION_BY (${options.partitionBy.map((c) => quotedIdentifier(c)).join(", ")})`);
    if (options.overwrite) opts.push("OVERWRITE_OR_IGNORE true");
    const rows = await this.query(`COPY (${body}) TO ${quotedString(path)} (${opts.join(", ")})`);
    const count = rows[0]?.["Count"];
    return typeof count === "number" ? count : Number(count ?? 0);
  }

  /**
   * Writes `select` as table `table` of a new DuckDB database file: DuckDB's own storage keeps fixed-size arrays
   * (`FLOAT[384]`) as they are, where Parquet has only lists that every read must decode again.
   */
  async copyToDatabase(select: string, file: string, table: string): Promise<void> {
    await this.run(`ATTACH ${quotedString(file)} AS copy_target`);
    try {
      await this.run(`CREATE TABLE copy_target.${quotedIdentifier(table)} AS ${select}`);
    } finally {
      await this.run("DETACH copy_target");
    }
  }

  close(): void {
    this.#connection.closeSync();
    this.#instance.closeSync();
  }
}

function wrapQueryError(e: unknown, sql: string): QueryError {
  const err = asError(e);
  return new QueryError(`DuckDB failed in a data tool: ${err.message}`, "Check the input files and free disk space, then run the command again.", { engineMessage: err.message, sql: sql.slice(0, 500) }, { cause: err });
}
