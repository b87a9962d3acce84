import type { Catalog } from "../core/catalog.js";
import type { Embedder } from "../core/embedder.js";
import type { ConnectRequest, Dialect, Engine, EngineConnector, PartialRequest, QueryProgress, QueryResult } from "../core/engine.js";
import { BlockedQueryError, ConfirmScanError, UsageError } from "../core/errors.js";
import type { SqlGenerator } from "../core/llm.js";
import type { QueryPlan } from "../core/plan.js";
import type { QueryChecker, RowWindow, SqlAuthor, Verdict } from "../core/verdict.js";
import { DEFAULT_CONFIG, type Config } from "./config.js";
import { EmbeddingCache } from "./embedding-cache.js";
import { ResultPages } from "./pages.js";

/** The default connection when the user has not run `%connect`: embedded DuckDB, in memory. */
const DEFAULT_CONNECT: ConnectRequest = { kind: "duckdb", target: ":memory:", name: "duckdb" };

export interface SessionDependencies {
  readonly checker: QueryChecker;
  readonly connectors: readonly EngineConnector[];
  /** Loads the local model on first use; absent when no model is configured. */
  readonly generator?: () => Promise<SqlGenerator>;
  /** Loads the embedding model of the semantic filter (`--similar-to`) on first use; absent when none is configured. */
  readonly embedder?: () => Promise<Embedder>;
}

export interface RunOptions {
  /** Connection name; the current default when absent. */
  readonly engine?: string;
  /** Rows to materialise; `Config.max_rows` when absent. */
  readonly maxRows?: number;
  readonly onProgress?: (progress: QueryProgress) => void;
  /** The first rows while the query still runs, where the engine streams. */
  readonly partial?: PartialRequest;
  /** Who wrote the SQL: a model's SQL is held to the stricter injection bar. Defaults to a person. */
  readonly author?: SqlAuthor;
  /** Time limit in ms for this query; `Config.timeout_s` when absent (0 = none). */
  readonly timeoutMs?: number;
  /**
   * Plan first and refuse a scan the engine estimates above `Config.confirm_rows` (the user's own query, without
   * `--yes`); probes the kernel runs for itself never ask.
   */
  readonly confirmLargeScan?: boolean;
}

export interface CheckedRun {
  readonly verdict: Verdict;
  readonly engine: Engine;
  readonly result: QueryResult;
  readonly maxRows: number;
}

/**
 * One user's connections, options and checker: the pipeline every query takes (check, then run) whether it
 * comes from `%%sql`, `%%ask` or the command line. There is no path to an engine that skips the checker.
 */
export class Session {
  readonly config: Config = { ...DEFAULT_CONFIG };
  /** Vectors of texts the semantic filter embedded in this session. */
  readonly embeddings = new EmbeddingCache();
  /** Shown results a viewer may page, sort and download. */
  readonly pages = new ResultPages();
  private readonly connections = new Map<string, Engine>();
  private readonly catalogs = new Map<string, Promise<Catalog>>();
  private current: string | undefined;
  private readonly generatorHandle: LazyHandle<SqlGenerator>;
  private readonly embedderHandle: LazyHandle<Embedder>;
  /** Work that the stop button must end besides engine queries (decoding a model's answer). */
  private readonly stoppable = new Set<AbortController>();

  constructor(private readonly deps: SessionDependencies) {
    this.generatorHandle = new LazyHandle(deps.generator,
      () => new UsageError("No local model is configured", "Run the set-up (npm run lab) to fetch the bundled model, or %model PATH.gguf."));
    this.embedderHandle = new LazyHandle(deps.embedder,
      () => new UsageError("No embedding model is configured", "Run the set-up (npm run lab) to fetch the bundled embedding model."));
  }

  get connectorKinds(): string[] {
    return this.deps.connectors.map((c) => c.kind);
  }

  /** Opens a connection and makes it the default; a connection of the same name is closed first. */
  async connect(request: ConnectRequest): Promise<Engine> {
    const connector = this.deps.connectors.find((c) => c.kind === request.kind);
    if (!connector) {
      throw new UsageError(`Unknown engine '${request.kind}'`, `Valid engines: ${this.connectorKinds.join(", ")}.`);
    }
    const engine = await connector.connect(request);
    await this.disconnect(request.name);
    this.connections.set(request.name, engine);
    this.current = request.name;
    return engine;
  }

  async disconnect(name: string): Promise<void> {
    const engine = this.connections.get(name);
    if (!engine) return;
    this.connections.delete(name);
    this.catalogs.delete(name);
    await engine.close();
  }

  /** Names of the open connections, for completing `--engine NAME` on a magic line. */
  connectionNames(): string[] {
    return [...this.connections.keys()];
  }

  /** The named connection, or the default one (opening in-memory DuckDB when nothing is connected). */
  async engine(name?: string): Promise<Engine> {
    const wanted = name ?? this.current;
    if (wanted === undefined) return this.connect(DEFAULT_CONNECT);
    const engine = this.connections.get(wanted);
    if (engine) return engine;
    const known = [...this.connections.keys()];
    throw new UsageError(
      `No connection named '${wanted}'`,
      known.length > 0 ? `Open connections: ${known.join(", ")}. Or run %connect ${wanted} …` : `Run %connect first, e.g. %connect duckdb data/patents`,
    );
  }

  async catalog(engine: Engine): Promise<Catalog> {
    let catalog = this.catalogs.get(engine.name);
    if (!catalog) {
      catalog = engine.catalog();
      this.catalogs.set(engine.name, catalog);
      catalog.catch(() => this.catalogs.delete(engine.name));
    }
    return catalog;
  }

  /** `sql` without trailing comments and semicolons, as the checker reads it: to nest it in a larger query. */
  bare(sql: string): string {
    return this.deps.checker.bare(sql);
  }

  /** A page of `sql`'s rows as a query of its own, built by the checker on the query's tree. */
  rowWindow(sql: string, window: RowWindow, dialect: Dialect): Promise<string | undefined> {
    return this.deps.checker.rowWindow(sql, window, dialect);
  }

  /** The count of `sql`'s rows as a query of its own, built as {@link rowWindow} is. */
  rowCount(sql: string, dialect: Dialect): Promise<string | undefined> {
    return this.deps.checker.rowCount(sql, dialect);
  }

  /**
   * Runs both checkers against the connection's catalog and parser; nothing is executed. `author: "model"` for SQL a
   * model wrote (a weak injection signal then blocks). `rowCap: false` when the rows do not travel as they are (the
   * semantic filter ranks them in the engine and only its top rows come back).
   */
  async check(sql: string, engine: Engine, options: { readonly rowCap?: boolean; readonly author?: SqlAuthor } = {}): Promise<Verdict> {
    return this.deps.checker.check(sql, {
      dialect: engine.dialect,
      catalog: await this.catalog(engine),
      engineParse: (text) => engine.parse(text),
      rowCap: this.config.row_cap > 0 && options.rowCap !== false ? this.config.row_cap : undefined,
      author: options.author ?? "person",
    });
  }

  /**
   * Checks `sql` and, only when allowed, runs the checker's `executedSql`. A blocked query throws
   * BlockedQueryError carrying the verdict, after `onVerdict` has shown it.
   */
  async run(sql: string, options: RunOptions = {}, onVerdict?: (verdict: Verdict) => void): Promise<CheckedRun> {
    const { engine, verdict } = await this.allowed(sql, options, onVerdict);
    if (options.confirmLargeScan && this.config.confirm_rows > 0) {
      const reads = await this.deps.checker.tablesRead(verdict.executedSql, { dialect: engine.dialect, catalog: await this.catalog(engine) });
      const estimate = await engine.estimateScan(verdict.executedSql, reads);
      if (estimate !== undefined && estimate.rows > this.config.confirm_rows) {
        throw new ConfirmScanError(estimate, this.config.confirm_rows, { engine: engine.name });
      }
    }
    const maxRows = options.maxRows ?? this.config.max_rows;
    const timeoutMs = options.timeoutMs ?? this.config.timeout_s * 1000;
    const result = await engine.execute(verdict.executedSql, {
      maxRows,
      timeoutMs: timeoutMs > 0 ? timeoutMs : undefined,
      onProgress: options.onProgress,
      partial: options.partial,
    });
    return { verdict, engine, result, maxRows };
  }

  /**
   * Checks `sql` and, only when allowed, asks the engine for its plan of the checker's `executedSql`: estimates,
   * nothing run. A blocked query throws BlockedQueryError after `onVerdict` has shown it.
   */
  async plan(sql: string, options: Pick<RunOptions, "engine" | "author"> = {}, onVerdict?: (verdict: Verdict) => void): Promise<{ verdict: Verdict; plan: QueryPlan }> {
    const { engine, verdict } = await this.allowed(sql, options, onVerdict);
    return { verdict, plan: await engine.plan(verdict.executedSql) };
  }

  /** The connection and the checkers' verdict, shown through `onVerdict`; throws when the verdict blocks. */
  private async allowed(sql: string, options: Pick<RunOptions, "engine" | "author">, onVerdict?: (verdict: Verdict) => void): Promise<{ engine: Engine; verdict: Verdict }> {
    const engine = await this.engine(options.engine);
    const verdict = await this.check(sql, engine, { author: options.author });
    onVerdict?.(verdict);
    if (verdict.verdict === "block") throw blockedError(verdict);
    return { engine, verdict };
  }

  /** Checks `sql` and, only when allowed, has the engine write its rows as a Parquet file and hand over the bytes. */
  async exportParquet(sql: string, options: Pick<RunOptions, "engine"> = {}): Promise<Uint8Array> {
    const { engine, verdict } = await this.allowed(sql, options);
    if (!engine.exportParquet) {
      // Spark writes files on its workers, not where the kernel runs; CSV comes back through the rows instead.
      throw new UsageError(`The ${engine.name} connection cannot hand the kernel a Parquet file (Spark writes files on its workers, not where the kernel runs)`, "Download the result as CSV instead.", { engine: engine.name });
    }
    return engine.exportParquet(verdict.executedSql);
  }

  /** The local model, loaded once per session on first use. */
  generator(): Promise<SqlGenerator> {
    return this.generatorHandle.get();
  }

  /** The embedding model of the semantic filter, loaded once per session on first use. */
  embedder(): Promise<Embedder> {
    return this.embedderHandle.get();
  }

  /**
   * Runs `work` with a signal that the stop button aborts (besides stopping every engine's query), for work that
   * is not an engine query, such as a model decoding an answer.
   */
  async stoppableWork<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const controller = new AbortController();
    this.stoppable.add(controller);
    try {
      return await work(controller.signal);
    } finally {
      this.stoppable.delete(controller);
    }
  }

  /** Stops whatever any connection is running and any stoppable work (the Jupyter stop button). */
  async cancel(): Promise<void> {
    for (const controller of this.stoppable) controller.abort();
    await Promise.all([...this.connections.values()].map((engine) => engine.cancel()));
  }

  async close(): Promise<void> {
    await Promise.all([...this.connections.keys()].map((name) => this.disconnect(name)));
    await this.generatorHandle.close();
    await this.embedderHandle.close();
  }
}

/** A model loaded on first use and shared after; a failed load is forgotten, so the next use tries again. */
class LazyHandle<T extends { close(): Promise<void> }> {
  private handle: Promise<T> | undefined;

  constructor(private readonly load: (() => Promise<T>) | undefined, private readonly missing: () => Error) {}

  get(): Promise<T> {
    if (!this.load) return Promise.reject(this.missing());
    this.handle ??= this.load();
    this.handle.catch(() => { this.handle = undefined; });
    return this.handle;
  }

  async close(): Promise<void> {
    if (this.handle) await (await this.handle.catch(() => undefined))?.close();
  }
}

/** The user-facing error for a blocked query: the first error finding, with its hint. */
export function blockedError(verdict: Verdict): BlockedQueryError {
  const first = verdict.findings.find((f) => f.severity === "error") ?? verdict.findings[0];
  const where = first?.line !== undefined ? ` (line ${first.line}${first.column !== undefined ? `, column ${first.column}` : ""})` : "";
  const label = verdict.category === "syntax" ? "syntax checker" : verdict.category === "injection" ? "security checker (injection)" : "security checker (read-only policy)";
  // A request refused before any SQL was written (a question asking to change data) is not a checker's block.
  const lead = verdict.category === "policy" && verdict.sql === "" ? "Refused" : `Blocked by the ${label}`;
  return new BlockedQueryError(
    `${lead}: ${first?.message ?? "the query was not allowed"}${where}`,
    first?.hint ?? (verdict.category === "syntax" ? "Fix the SQL and run the cell again." : "Only read-only queries over this connection's tables may run."),
    { verdict },
  );
}
