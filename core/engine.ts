import type { Table } from "apache-arrow";
import type { Catalog, TableInfo } from "./catalog.js";
import type { SimilaritySql } from "./embedder.js";
import type { QueryPlan, ScanEstimate } from "./plan.js";

export type Dialect = "duckdb" | "spark";

/** Progress of a long query, as far as the engine can tell (Spark: stages and tasks). */
export interface QueryProgress {
  readonly message: string;
  readonly completedTasks?: number;
  readonly totalTasks?: number;
}

export interface ExecuteOptions {
  /** At most this many rows are materialised; the rest are counted when cheap, never held in memory. */
  readonly maxRows: number;
  /** Stop the query on the engine after this long. */
  readonly timeoutMs?: number;
  readonly onProgress?: (progress: QueryProgress) => void;
  /** Show the first rows while the query still runs (engines that stream their result). */
  readonly partial?: PartialRequest;
}

/**
 * What a display asks of a running query: its first `rows` rows and how many have arrived, every `everyMs` while
 * it runs (the first time `everyMs` after it started), so that a query finishing sooner shows only its result.
 */
export interface PartialRequest {
  readonly rows: number;
  readonly everyMs: number;
  readonly onRows: (partial: PartialResult) => void;
}

/** The rows of a running query so far: the first ones (a table of at most the requested rows) and their count. */
export interface PartialResult {
  readonly table: Table;
  readonly rowsSoFar: number;
  readonly elapsedMs: number;
}

export interface QueryResult {
  readonly table: Table;
  /** True when the engine had more rows than `maxRows`. */
  readonly truncated: boolean;
  readonly elapsedMs: number;
}

/** The engine's own parser, asked when ours cannot decide (fail closed when neither parses). */
export interface EngineParseResult {
  readonly ok: boolean;
  readonly message?: string;
  /** The engine's own parse tree as JSON when it exposes one (DuckDB `json_serialize_sql`), for the policy walk. */
  readonly tree?: unknown;
}

export interface Engine {
  /** The connection's name as the user sees it (`%connect … --as NAME`). */
  readonly name: string;
  readonly dialect: Dialect;
  /** Human-readable target, e.g. the data folder or the Thrift URL. */
  readonly target: string;
  /** How this engine ranks rows by precomputed embeddings (`--similar-to`); absent: the kernel ranks. */
  readonly similarity?: SimilaritySql;
  catalog(): Promise<Catalog>;
  /** Parse without running; the checker's second opinion for syntax our parser lacks. */
  parse(sql: string): Promise<EngineParseResult>;
  /** Many parses in one call, where the engine can do that cheaper than one by one (DuckDB). */
  parseMany?(sqls: readonly string[]): Promise<EngineParseResult[]>;
  execute(sql: string, options: ExecuteOptions): Promise<QueryResult>;
  /** The engine's plan for `sql` with its estimates, running nothing (each engine asks in its own EXPLAIN). */
  plan(sql: string): Promise<QueryPlan>;
  /**
   * Rows `sql` would read, estimated without running it (`confirm_rows` asks before a larger scan): each engine
   * estimates as it best can, from its plan or from `reads`, the catalog tables the query's tree reads (undefined
   * when it reads something else too). Undefined when it cannot tell.
   */
  estimateScan(sql: string, reads: readonly TableInfo[] | undefined): Promise<ScanEstimate | undefined>;
  /**
   * The rows of the one SELECT `sql` as the bytes of a Parquet file (a download from the result viewer); absent where
   * the engine cannot hand a file to the kernel (Spark writes its files on the cluster's workers).
   */
  exportParquet?(sql: string): Promise<Uint8Array>;
  /** Stops whatever this connection is running now; resolves once the engine has acknowledged. */
  cancel(): Promise<void>;
  close(): Promise<void>;
}

export interface ConnectRequest {
  /** Engine kind: `duckdb` or `spark`. */
  readonly kind: string;
  /** A folder of Parquet/CSV files, a `.duckdb` file, `:memory:`, or a `thrift://host:port` URL. */
  readonly target: string;
  readonly name: string;
}

/** Creates engines of one kind; registered with the session by the composition root. */
export interface EngineConnector {
  readonly kind: string;
  readonly dialect: Dialect;
  connect(request: ConnectRequest): Promise<Engine>;
}
