import { randomUUID } from "node:crypto";
import type { Catalog, TableInfo } from "../../core/catalog.js";
import type {
  ConnectRequest, Engine, EngineConnector, EngineParseResult, ExecuteOptions, QueryProgress, QueryResult,
} from "../../core/engine.js";
import { catalogScanRows, type QueryPlan, type ScanEstimate } from "../../core/plan.js";
import { EngineUnavailableError, QueryCancelledError, QueryError, UsageError, asError } from "../../core/errors.js";
import { readSecret, sparkPaths } from "./cluster/runtime.js";
import { sparkProblem } from "./errors.js";
import { fetchTable, waitForState } from "./fetch.js";
import { introspect } from "./introspector.js";
import { SparkRestApi, type SparkJob } from "./rest-api.js";
import { sparkSimilarity } from "./similarity.js";
import { AuthenticationRefusedError, ConnectionLostError, HiveConnection, ThriftCallError, type RunningOperation } from "./thrift-client.js";

const CONNECT_TIMEOUT_MS = 10_000;
const PROGRESS_EVERY_MS = 1_000;
const START_HINT = "Start a local cluster with `npx streamlink spark start --data PATH`, then run the cell again.";
const CREDENTIALS_HINT = "It accepts only the secret of the cluster this checkout started (.cache/spark/run/thrift-secret): connect to the URL `npx streamlink spark start` printed, or restart it with `npx streamlink spark stop`, then `spark start`.";
const GONE_HINT = "Check it with `npx streamlink spark status`; restart it with `npx streamlink spark start`. The next query reconnects by itself.";
const WORKER_HINT = "A Spark worker died during the query. Check `npx streamlink spark status`, restart the cluster with `npx streamlink spark stop && npx streamlink spark start`, then run the cell again.";

interface ThriftTarget {
  readonly host: string;
  readonly port: number;
}

/** `thrift://HOST:PORT` → host and port; anything else is a usage error with an example. */
export function parseThriftUrl(url: string): ThriftTarget {
  const match = /^thrift:\/\/([^:/\s]+):(\d{1,5})\/?$/i.exec(url.trim());
  const port = Number(match?.[2]);
  if (!match?.[1] || !(port > 0 && port < 65_536)) {
    throw new UsageError(`Not a Spark Thrift URL: ${url}`, "Use thrift://HOST:PORT, e.g. thrift://127.0.0.1:10000 (what `npx streamlink spark start` prints).", { url });
  }
  return { host: match[1], port };
}

/** Spark's message without the Java exception chain, stack trace or logical plan. */
export function cleanSparkMessage(raw: string): string {
  let text = raw.replace(/^[\s\S]*?Error running query:\s*/, "");
  // Spark 4 prefixes `[ERROR_CLASS] java.class.Name: ` before repeating the class in the message itself.
  text = text.replace(/^(?:\[[A-Z_.]+\]\s*)?(?:[\w$]+\.)+[\w$]*(?:Exception|Error):\s*/, "");
  text = text.split(/\n\s+at |\n\tat |;\n'|\n== /)[0] ?? text;
  return text.trim().slice(0, 2_000);
}

function hintFor(message: string): string {
  if (/STREAMLINK_BLOCKED/.test(message)) return "This Spark cluster refuses statements that run code or change settings, data or tables; query the tables with SELECT.";
  if (/TABLE_OR_VIEW_NOT_FOUND/.test(message)) return "Run %tables to see the tables of this connection.";
  if (/UNRESOLVED_COLUMN|UNRESOLVED_FIELD/.test(message)) return "Run %schema TABLE to see its columns.";
  if (/PARSE_SYNTAX_ERROR|ParseException/.test(message)) return "Fix the SQL near the position Spark names (Spark SQL dialect).";
  if (/UNSUPPORTED_DATASOURCE_FOR_DIRECT_QUERY|runSQLOnFiles/.test(message)) return "Query the registered tables; reading files directly is disabled on this cluster.";
  if (/ExecutorLostFailure|Executor heartbeat timed out|worker lost|Remote RPC client disassociated/i.test(message)) return WORKER_HINT;
  if (/SparkContext (?:was|has been) shut down|SparkContext is stopped/i.test(message)) return `The Spark driver stopped. ${GONE_HINT}`;
  if (/DIVIDE_BY_ZERO|CAST_INVALID_INPUT|ARITHMETIC_OVERFLOW/.test(message)) return "Spark runs in ANSI mode: guard the expression (try_divide, try_cast, NULLIF) and run it again.";
  return "Check the SQL against %schema and try again.";
}

/** One line for the cell: how far the statement's Spark jobs are. */
export function progressOf(jobs: readonly SparkJob[], activeExecutors: number): QueryProgress | undefined {
  if (jobs.length === 0) return undefined;
  const total = jobs.reduce((n, j) => n + j.numTasks, 0);
  const done = jobs.reduce((n, j) => n + j.numCompletedTasks, 0);
  const failed = jobs.reduce((n, j) => n + j.numFailedTasks, 0);
  const running = jobs.filter((j) => j.status === "RUNNING").length;
  const parts = [`Spark: ${done}/${total} tasks`, `${running} job(s) running`];
  if (failed > 0) parts.push(`${failed} task(s) failed and are retried (a worker may have been lost)`);
  if (activeExecutors === 0 && running > 0) parts.push("no executor is alive: is any worker running? (`npx streamlink spark status`)");
  return { message: parts.join(", "), completedTasks: done, totalTasks: total };
}

type CancelReason = "interrupt" | "timeout";

/**
 * A connection to a Spark Thrift server (HiveServer2 protocol). Each statement runs asynchronously on the
 * server and is tagged with a comment, so that its Spark jobs can be found in the driver's REST API for progress
 * and to confirm a cancel. A lost connection is reopened by the next query.
 */
export class SparkEngine implements Engine {
  readonly dialect = "spark" as const;
  readonly similarity = sparkSimilarity;
  private running: { operation: RunningOperation; marker: string } | undefined;
  private cancelReason: CancelReason | undefined;
  private cancelling: Promise<void> | undefined;

  private constructor(
    readonly name: string,
    readonly target: string,
    private readonly address: ThriftTarget,
    private connection: HiveConnection | undefined,
    /** The driver's REST API, when the server tells its UI port. */
    readonly rest: SparkRestApi | undefined,
  ) {}

  /** Connects to `thrift://HOST:PORT`, failing within seconds with a hint when nothing answers there. */
  static async open(request: ConnectRequest): Promise<SparkEngine> {
    const address = parseThriftUrl(request.target);
    const connection = await SparkEngine.connect(address, request.target);
    const uiPort = await SparkEngine.uiPort(connection).catch(() => undefined);
    const rest = uiPort ? new SparkRestApi(`http://${address.host}:${uiPort}`) : undefined;
    return new SparkEngine(request.name, request.target, address, connection, rest);
  }

  private static async connect(address: ThriftTarget, url: string): Promise<HiveConnection> {
    try {
      // The secret of the cluster this checkout started; a server without authentication ignores the password.
      const password = readSecret(sparkPaths()) ?? "";
      return await HiveConnection.open({ ...address, username: process.env["USER"] ?? "streamlink", password, timeoutMs: CONNECT_TIMEOUT_MS });
    } catch (error) {
      const reason = asError(error).message;
      if (error instanceof AuthenticationRefusedError) {
        throw new EngineUnavailableError(`The Spark Thrift server at ${url} refused StreamLink's credentials (${reason})`, CREDENTIALS_HINT, { target: url, reason }, { cause: error });
      }
      throw new EngineUnavailableError(`No Spark Thrift server answers at ${url} (${reason})`, START_HINT, { target: url, reason }, { cause: error });
    }
  }

  /** The driver UI port (for the REST API), as the server's own configuration says. */
  private static async uiPort(connection: HiveConnection): Promise<number | undefined> {
    const operation = await connection.execute("SET spark.ui.port");
    try {
      await waitForState(connection, operation, () => undefined);
      const { table } = await fetchTable(connection, operation, 1);
      const port = Number(table.getChild("value")?.get(0));
      return Number.isInteger(port) && port > 0 ? port : 4040;
    } finally {
      await connection.closeOperation(operation).catch(() => undefined);
    }
  }

  /** The open connection, reopened when the previous one was lost (the cluster was restarted). */
  private async live(): Promise<HiveConnection> {
    if (this.connection?.alive) return this.connection;
    this.connection = await SparkEngine.connect(this.address, this.target);
    return this.connection;
  }

  private lostError(error: unknown): EngineUnavailableError {
    this.connection = undefined;
    return new EngineUnavailableError(
      `Lost the connection to the Spark Thrift server at ${this.target}: ${asError(error).message}`,
      `The Thrift server stopped or was restarted. ${GONE_HINT}`,
      { target: this.target },
      { cause: error },
    );
  }

  async catalog(): Promise<Catalog> {
    const connection = await this.live();
    try {
      // The server's URL names the data; a cluster restarted on other data at the same URL is not told apart.
      return { ...(await introspect(connection)), source: this.target };
    } catch (error) {
      if (error instanceof ConnectionLostError) throw this.lostError(error);
      throw new QueryError(`Spark could not list its tables: ${asError(error).message}`, GONE_HINT, { engine: this.name }, { cause: error });
    }
  }

  /**
   * The catalog's row counts of the tables the query reads: EXPLAIN COST prints its statistics as text only (and
   * has none for tables never analysed), so nothing is read out of it and no round trip is paid.
   */
  async estimateScan(_sql: string, reads: readonly TableInfo[] | undefined): Promise<ScanEstimate | undefined> {
    const rows = catalogScanRows(reads);
    return rows === undefined ? undefined : { rows, basis: "catalog" };
  }

  /** Spark's own parser and analyser via `EXPLAIN`, which plans the statement without running it. */
  async parse(sql: string): Promise<EngineParseResult> {
    try {
      const explained = await this.explain("EXPLAIN", sql);
      return "failure" in explained ? { ok: false, message: explained.failure } : { ok: true };
    } catch (error) {
      if (error instanceof ThriftCallError) return { ok: false, message: cleanSparkMessage(error.message) };
      throw error;
    }
  }

  /**
   * `EXPLAIN COST`: the optimized plan with Spark's statistics, running nothing. Spark prints its plan only as text,
   * so it is shown as Spark wrote it, without an estimate read out of it.
   */
  async plan(sql: string): Promise<QueryPlan> {
    try {
      const explained = await this.explain("EXPLAIN COST", sql);
      if ("failure" in explained) throw new QueryError(explained.failure, hintFor(explained.failure), { engine: this.name, engineMessage: explained.failure, sql }, { problem: sparkProblem(explained.failure) });
      return { engine: this.name, operators: [], text: explained.plan };
    } catch (error) {
      if (error instanceof ThriftCallError) {
        throw new QueryError(cleanSparkMessage(error.message), hintFor(error.message), { engine: this.name, engineMessage: error.message, sql }, { cause: error, problem: sparkProblem(cleanSparkMessage(error.message)) });
      }
      throw error;
    }
  }

  /** Runs `KEYWORD sql` (an EXPLAIN form) and returns the printed plan, or Spark's reason it could not plan. */
  private async explain(keyword: string, sql: string): Promise<{ plan: string } | { failure: string }> {
    const connection = await this.live();
    let operation: RunningOperation | undefined;
    try {
      operation = await connection.execute(`${keyword} ${sql}`);
      const status = await waitForState(connection, operation, () => undefined);
      if (status.state !== "finished") return { failure: cleanSparkMessage(status.errorMessage ?? `${keyword} ended ${status.state}`) };
      // The Thrift server returns the plan one line per row.
      const { table } = await fetchTable(connection, operation, 10_000);
      const plan = [...(table.getChildAt(0) ?? [])].map(String).join("\n");
      const failed = /Error occurred during query planning|AnalysisException|ParseException/.exec(plan);
      return failed ? { failure: cleanSparkMessage(plan.slice(failed.index)) } : { plan };
    } catch (error) {
      if (error instanceof ConnectionLostError) throw this.lostError(error);
      throw error;
    } finally {
      if (operation) await connection.closeOperation(operation).catch(() => undefined);
    }
  }

  async execute(sql: string, options: ExecuteOptions): Promise<QueryResult> {
    const started = performance.now();
    const connection = await this.live();
    const marker = `streamlink:${randomUUID()}`;
    this.cancelReason = undefined;
    this.cancelling = undefined;
    const watchdog = options.timeoutMs ? setTimeout(() => void this.stop("timeout"), options.timeoutMs) : undefined;
    let operation: RunningOperation | undefined;
    try {
      // The tag travels as the job description into Spark's UI and REST API.
      operation = await connection.execute(`/* ${marker} */\n${sql}`);
      this.running = { operation, marker };
      if (this.cancelReason) void this.stop(this.cancelReason);
      const progress = this.progressReporter(marker, options.onProgress);
      const status = await waitForState(connection, operation, progress.tick, () => this.cancelReason !== undefined).finally(progress.stop);
      await this.cancelling;
      if (this.cancelReason) throw new QueryCancelledError(this.cancelReason, { engine: this.name, marker });
      if (status.state !== "finished") {
        const message = cleanSparkMessage(status.errorMessage ?? `the statement ended in state ${status.state}`);
        throw new QueryError(message, hintFor(status.errorMessage ?? ""), { engine: this.name, engineMessage: status.errorMessage, sqlState: status.sqlState, sql }, { problem: sparkProblem(message) });
      }
      const { table, truncated } = await fetchTable(connection, operation, options.maxRows);
      if (this.cancelReason) throw new QueryCancelledError(this.cancelReason, { engine: this.name, marker });
      return { table, truncated, elapsedMs: performance.now() - started };
    } catch (error) {
      if (error instanceof QueryCancelledError || error instanceof QueryError) throw error;
      if (error instanceof ConnectionLostError) throw this.lostError(error);
      if (error instanceof ThriftCallError) {
        throw new QueryError(cleanSparkMessage(error.message), hintFor(error.message), { engine: this.name, engineMessage: error.message, sql }, { cause: error, problem: sparkProblem(cleanSparkMessage(error.message)) });
      }
      throw error;
    } finally {
      clearTimeout(watchdog);
      this.running = undefined;
      if (operation && connection.alive) await connection.closeOperation(operation).catch(() => undefined);
    }
  }

  /**
   * Polls Spark's REST API at most once a second, in the background: the status loop never waits for it, and a
   * report that arrives after the statement ended is dropped.
   */
  private progressReporter(marker: string, onProgress: ExecuteOptions["onProgress"]): { tick: () => void; stop: () => void } {
    const rest = this.rest;
    let stopped = false;
    let inFlight = false;
    // The first report comes after a second: short statements never touch the REST API.
    let last = performance.now();
    const stop = (): void => { stopped = true; };
    if (!onProgress || !rest) return { tick: () => undefined, stop };
    const report = async (): Promise<void> => {
      const seen = await Promise.all([rest.jobsTagged(marker), rest.executors()]).catch(() => undefined);
      if (!seen || stopped) return;
      const [jobs, executors] = seen;
      const progress = progressOf(jobs, executors.filter((e) => e.isActive).length);
      if (progress) onProgress(progress);
    };
    const tick = (): void => {
      if (stopped || inFlight || performance.now() - last < PROGRESS_EVERY_MS) return;
      inFlight = true;
      last = performance.now();
      void report().finally(() => { inFlight = false; });
    };
    return { tick, stop };
  }

  /** Tells the server to cancel the running statement; Spark kills the statement's job group. */
  private stop(reason: CancelReason): Promise<void> {
    this.cancelReason ??= reason;
    const running = this.running;
    const connection = this.connection;
    if (!running || !connection) return Promise.resolve();
    this.cancelling ??= connection.cancel(running.operation).catch(() => undefined);
    return this.cancelling;
  }

  async cancel(): Promise<void> {
    await this.stop("interrupt");
  }

  async close(): Promise<void> {
    await this.connection?.close();
    this.connection = undefined;
  }
}

export const sparkConnector: EngineConnector = {
  kind: "spark",
  dialect: "spark",
  connect: (request) => SparkEngine.open(request),
};
