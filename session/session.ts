import type { Catalog } from "../core/catalog.js";
import type { ConnectRequest, Engine, EngineConnector, QueryProgress, QueryResult } from "../core/engine.js";
import { BlockedQueryError, UsageError } from "../core/errors.js";
import type { SqlGenerator } from "../core/llm.js";
import type { QueryChecker, Verdict } from "../core/verdict.js";
import { DEFAULT_CONFIG, type Config } from "./config.js";

/** The default connection when the user has not run `%connect`: embedded DuckDB, in memory. */
const DEFAULT_CONNECT: ConnectRequest = { kind: "duckdb", target: ":memory:", name: "duckdb" };

export interface SessionDependencies {
  readonly checker: QueryChecker;
  readonly connectors: readonly EngineConnector[];
  /** Loads the local model on first use; absent when no model is configured. */
  readonly generator?: () => Promise<SqlGenerator>;
}

export interface RunOptions {
  /** Connection name; the current default when absent. */
  readonly engine?: string;
  /** Rows to materialise; `Config.max_rows` when absent. */
  readonly maxRows?: number;
  readonly onProgress?: (progress: QueryProgress) => void;
  /** Time limit in ms for this query; `Config.timeout_s` when absent (0 = none). */
  readonly timeoutMs?: number;
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
  private readonly connections = new Map<string, Engine>();
  private readonly catalogs = new Map<string, Promise<Catalog>>();
  private current: string | undefined;
  private generatorHandle: Promise<SqlGenerator> | undefined;
  /** Work that the stop button must end besides engine queries (decoding a model's answer). */
  private readonly stoppable = new Set<AbortController>();

  constructor(private readonly deps: SessionDependencies) {}

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

  /** Runs both checkers against the connection's catalog and parser; nothing is executed. */
  async check(sql: string, engine: Engine): Promise<Verdict> {
    return this.deps.checker.check(sql, {
      dialect: engine.dialect,
      catalog: await this.catalog(engine),
      engineParse: (text) => engine.parse(text),
      rowCap: this.config.row_cap > 0 ? this.config.row_cap : undefined,
    });
  }

  /**
   * Checks `sql` and, only when allowed, runs the checker's `executedSql`. A blocked query throws
   * BlockedQueryError carrying the verdict, after `onVerdict` has shown it.
   */
  async run(sql: string, options: RunOptions = {}, onVerdict?: (verdict: Verdict) => void): Promise<CheckedRun> {
    const engine = await this.engine(options.engine);
    const verdict = await this.check(sql, engine);
    onVerdict?.(verdict);
    if (verdict.verdict === "block") throw blockedError(verdict);
    const maxRows = options.maxRows ?? this.config.max_rows;
    const timeoutMs = options.timeoutMs ?? this.config.timeout_s * 1000;
    const result = await engine.execute(verdict.executedSql, {
      maxRows,
      timeoutMs: timeoutMs > 0 ? timeoutMs : undefined,
      onProgress: options.onProgress,
    });
    return { verdict, engine, result, maxRows };
  }

  /** The local model, loaded once per session on first use. */
  generator(): Promise<SqlGenerator> {
    const load = this.deps.generator;
    if (!load) {
      return Promise.reject(new UsageError("No local model is configured", "Run the set-up (npm run lab) to fetch the bundled model, or %model PATH.gguf."));
    }
    this.generatorHandle ??= load();
    this.generatorHandle.catch(() => { this.generatorHandle = undefined; });
    return this.generatorHandle;
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
    if (this.generatorHandle) await (await this.generatorHandle.catch(() => undefined))?.close();
  }
}

/** The user-facing error for a blocked query: the first error finding, with its hint. */
export function blockedError(verdict: Verdict): BlockedQueryError {
  const first = verdict.findings.find((f) => f.severity === "error") ?? verdict.findings[0];
  const where = first?.line !== undefined ? ` (line ${first.line}${first.column !== undefined ? `, column ${first.column}` : ""})` : "";
  const label = verdict.category === "security" ? "security" : "syntax";
  return new BlockedQueryError(
    `Blocked by the ${label} checker: ${first?.message ?? "the query was not allowed"}${where}`,
    first?.hint ?? (label === "security" ? "Only read-only queries over this connection's tables may run." : "Fix the SQL and run the cell again."),
    { verdict },
  );
}
