import { createHash } from "node:crypto";
import { mkdtemp, readFile, readdir, rm, stat } from "node:fs/promises";
import { createRequire } from "node:module";
import { availableParallelism, tmpdir } from "node:os";
import path from "node:path";
import type { DuckDBConnection, DuckDBInstance, DuckDBPreparedStatement, DuckDBResult } from "@duckdb/node-api";
import type { Catalog } from "../../core/catalog.js";
import type {
  ConnectRequest, Engine, EngineConnector, EngineParseResult, ExecuteOptions, QueryResult,
} from "../../core/engine.js";
import { EngineUnavailableError, QueryCancelledError, QueryError, StreamLinkError, UsageError, asError } from "../../core/errors.js";
import { checkResultMemory, duckdbLimits } from "../../core/memory.js";
import type { QueryPlan, ScanEstimate } from "../../core/plan.js";
import { duckdbProblem } from "./errors.js";
import { duckdbPlan } from "./plan.js";
import { introspect } from "./introspector.js";
import type { ArrowCollector } from "./to-arrow.js";
import { duckdbSimilarity } from "./similarity.js";
import { quotedIdentifier, quotedString } from "../../core/sql-text.js";

type DuckDBModule = typeof import("@duckdb/node-api");

const require = createRequire(import.meta.url);
let duckdbModule: DuckDBModule | undefined;
let toArrowModule: Promise<typeof import("./to-arrow.js")> | undefined;
/**
 * The native binding loads on first connect, so the kernel starts without it. `require`, not `import()`:
 * importing this CommonJS package from ESM first scans its ~50 files for export names (~100 ms of start-up).
 */
function loadDuckDB(): DuckDBModule {
  duckdbModule ??= require("@duckdb/node-api") as DuckDBModule;
  return duckdbModule;
}
/** The Arrow reader (and apache-arrow) load with the first query. */
function loadToArrow(): Promise<typeof import("./to-arrow.js")> {
  toArrowModule ??= import("./to-arrow.js");
  return toArrowModule;
}

const READERS: Readonly<Record<string, string>> = {
  ".parquet": "read_parquet",
  ".csv": "read_csv_auto",
  ".tsv": "read_csv_auto",
};

interface TableSource {
  readonly name: string;
  readonly sql: string;
  /** The file, or the folder of a partitioned dataset, that the view reads. */
  readonly location: { readonly file: string } | { readonly folder: string };
  /** A DuckDB database file the view reads from, attached read-only under this alias before the view is used. */
  readonly attach?: string;
}

/**
 * One table per file (named by its stem), and one per sub-folder of Parquet files (a partitioned dataset). A
 * `NAME.duckdb` file is its table `NAME`; beside a folder or file of the same name it is that data's DuckDB-native
 * copy (`streamlink data embed` writes one: fixed-size arrays are read as stored, Parquet lists are decoded on every
 * read) and is read instead.
 */
async function tableSources(folder: string): Promise<TableSource[]> {
  const sources = new Map<string, TableSource>();
  let attached = 0;
  for (const entry of (await readdir(folder, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
    const full = path.join(folder, entry.name);
    if (entry.isDirectory()) {
      const nested = await readdir(full, { recursive: true });
      if (nested.some((f) => f.endsWith(".parquet")) && !sources.has(entry.name)) {
        sources.set(entry.name, {
          name: entry.name,
          sql: `read_parquet(${quotedString(path.join(full, "**", "*.parquet"))}, hive_partitioning = true)`,
          location: { folder: full + path.sep },
        });
      }
      continue;
    }
    const ext = path.extname(entry.name).toLowerCase();
    const name = path.basename(entry.name, path.extname(entry.name));
    if (ext === ".duckdb") {
      const alias = `attached_${attached++}`;
      sources.set(name, { name, sql: `${alias}.${quotedIdentifier(name)}`, location: { file: full }, attach: alias });
      continue;
    }
    const reader = READERS[ext];
    if (reader && sources.get(name)?.attach === undefined) sources.set(name, { name, sql: `${reader}(${quotedString(full)})`, location: { file: full } });
  }
  return [...sources.values()];
}

/** Attaches the folder's DuckDB files read-only, as the views expect them. */
function attachStatements(sources: readonly TableSource[]): string[] {
  return sources.flatMap((s) => (s.attach !== undefined && "file" in s.location ? [`ATTACH ${quotedString(s.location.file)} AS ${s.attach} (READ_ONLY)`] : []));
}

/**
 * Settings applied, in this order, after the data is registered: DuckDB refuses them any other way. Single files
 * are allowed one by one (not their folder), so even COPY could not write a new file next to them.
 */
function lockdownStatements(sources: readonly TableSource[], writable: readonly string[] = []): string[] {
  const list = (items: string[]): string => `[${items.map((item) => quotedString(item)).join(", ")}]`;
  const files = sources.flatMap((s) => ("file" in s.location ? [s.location.file] : []));
  const folders = [...sources.flatMap((s) => ("folder" in s.location ? [s.location.folder] : [])), ...writable];
  return [
    "SET autoinstall_known_extensions = false",
    "SET autoload_known_extensions = false",
    "SET allow_community_extensions = false",
    `SET allowed_paths = ${list(files)}`,
    `SET allowed_directories = ${list(folders)}`,
    "SET enable_external_access = false",
    "SET lock_configuration = true",
  ];
}

/** A DuckDB engine embedded in this process, read-only on the user's data and locked down. */
export class DuckDBEngine implements Engine {
  readonly dialect = "duckdb" as const;
  readonly similarity = duckdbSimilarity;
  private cancelReason: "interrupt" | "timeout" | undefined;
  private running = false;

  private constructor(
    readonly name: string,
    readonly target: string,
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
    private readonly scratch: string,
    private readonly sources: readonly TableSource[],
  ) {}

  /**
   * Opens `target`: a folder of Parquet/CSV files (each a read-only view), a `.duckdb` file (opened read-only)
   * or `:memory:`; then locks the instance so no query can reach other files, the network or the settings.
   */
  static async open(request: ConnectRequest): Promise<DuckDBEngine> {
    const { DuckDBInstance } = loadDuckDB();
    const { target } = request;
    // Every instance spills to its own scratch folder, within limits read from this machine, so that no query can
    // take all the memory or fill the disk; the folder also holds a folder connection's catalog.
    const scratch = await mkdtemp(path.join(tmpdir(), "streamlink-duckdb-"));
    const limits = await duckdbLimits(scratch);
    const settings = {
      threads: String(availableParallelism()),
      memory_limit: limits.memoryLimit,
      max_temp_directory_size: limits.maxTempSize,
      temp_directory: path.join(scratch, "spill"),
    };
    try {
      if (target === ":memory:") {
        const instance = await DuckDBInstance.create(":memory:", settings);
        return await DuckDBEngine.lock(request, instance, [], scratch);
      }
      const info = await stat(target).catch(() => undefined);
      if (!info) {
        throw new EngineUnavailableError(`No such file or folder: ${target}`, "Check the path; relative paths start at the notebook's folder (the current folder for the command line).", { target });
      }
      if (info.isDirectory()) {
        const sources = await tableSources(path.resolve(target));
        if (sources.length === 0) {
          throw new EngineUnavailableError(`No .parquet, .csv or .tsv files in ${target}`, "Point %connect at a folder that holds data files, or at a .duckdb file.", { target });
        }
        // The views live in a small catalog file that is then reopened read-only, so that no statement, not
        // even an in-memory CREATE or DROP, can change what the connection shows.
        const catalogFile = path.join(scratch, "catalog.duckdb");
        const builder = await DuckDBInstance.create(catalogFile, settings);
        const setup = await builder.connect();
        for (const statement of attachStatements(sources)) await setup.run(statement);
        const shown: TableSource[] = [];
        for (const source of sources) {
          const view = setup.run(`CREATE VIEW ${quotedIdentifier(source.name)} AS SELECT * FROM ${source.sql}`);
          // A DuckDB file without a table of its own name is some other database: it is left out, as before.
          if (source.attach !== undefined) {
            if (await view.then(() => true, () => false)) shown.push(source);
          } else {
            await view;
            shown.push(source);
          }
        }
        setup.closeSync();
        builder.closeSync();
        const instance = await DuckDBInstance.create(catalogFile, { ...settings, access_mode: "READ_ONLY" });
        return await DuckDBEngine.lock(request, instance, shown, scratch);
      }
      const instance = await DuckDBInstance.create(target, { ...settings, access_mode: "READ_ONLY" });
      return await DuckDBEngine.lock(request, instance, [], scratch);
    } catch (error) {
      await rm(scratch, { recursive: true, force: true });
      if (error instanceof EngineUnavailableError) throw error;
      throw new EngineUnavailableError(`DuckDB could not open ${target}: ${asError(error).message}`, "Check that the files are valid Parquet/CSV or a DuckDB database.", { target }, { cause: error });
    }
  }

  private static async lock(
    request: ConnectRequest, instance: DuckDBInstance, sources: readonly TableSource[], scratch: string,
  ): Promise<DuckDBEngine> {
    const connection = await instance.connect();
    for (const statement of [...attachStatements(sources), ...lockdownStatements(sources)]) await connection.run(statement);
    return new DuckDBEngine(request.name, request.target, instance, connection, scratch, sources);
  }

  async catalog(): Promise<Catalog> {
    const catalog = await introspect(this.connection);
    return { ...catalog, source: await dataFingerprint(this.target, this.sources) };
  }

  async parse(sql: string): Promise<EngineParseResult> {
    const reader = await this.connection.runAndReadAll("SELECT json_serialize_sql($1::VARCHAR)", [sql]);
    const text = String(reader.getRows()[0]?.[0] ?? "{}");
    const tree = JSON.parse(text) as { error?: boolean; error_message?: string };
    return tree.error ? { ok: false, message: tree.error_message ?? "DuckDB could not parse the query", tree } : { ok: true, tree };
  }

  /** One round trip for the whole batch: per call, the node-api's overhead costs more than the parse itself. */
  async parseMany(sqls: readonly string[]): Promise<EngineParseResult[]> {
    if (sqls.length === 0) return [];
    const { DuckDBListValue, listValue } = await loadDuckDB();
    const reader = await this.connection.runAndReadAll("SELECT list_transform($1::VARCHAR[], x -> json_serialize_sql(x))", [listValue([...sqls])]);
    const texts = reader.getRows()[0]?.[0];
    const items = texts instanceof DuckDBListValue ? texts.items : [];
    return sqls.map((_sql, i) => {
      const tree = JSON.parse(String(items[i] ?? "{}")) as { error?: boolean; error_message?: string };
      return tree.error ? { ok: false, message: tree.error_message ?? "DuckDB could not parse the query", tree } : { ok: true, tree };
    });
  }

  async execute(sql: string, options: ExecuteOptions): Promise<QueryResult> {
    const started = performance.now();
    this.cancelReason = undefined;
    this.running = true;
    const watchdog = options.timeoutMs ? setTimeout(() => this.stop("timeout"), options.timeoutMs) : undefined;
    try {
      const result = await (await this.prepareSelect(sql)).stream();
      const { collector, truncated } = await collect(result, options, this.name, () => this.cancelReason !== undefined, started);
      return { table: collector.toTable(), truncated, elapsedMs: performance.now() - started };
    } catch (error) {
      if (this.cancelReason) throw new QueryCancelledError(this.cancelReason, { engine: this.name });
      if (error instanceof StreamLinkError) throw error;
      const message = asError(error).message;
      throw new QueryError(message, hintFor(message), { engine: this.name, engineMessage: message, sql }, { cause: error, problem: duckdbProblem(message) });
    } finally {
      clearTimeout(watchdog);
      this.running = false;
    }
  }

  /** DuckDB's plan estimates every scan, views over Parquet files and table functions included. */
  async estimateScan(sql: string): Promise<ScanEstimate | undefined> {
    const { scanRows } = await this.plan(sql);
    return scanRows === undefined ? undefined : { rows: scanRows, basis: "plan" };
  }

  /** `EXPLAIN (FORMAT JSON)` of the one SELECT `sql` is (the same read-only rule as execute): plans, runs nothing. */
  async plan(sql: string): Promise<QueryPlan> {
    try {
      await this.prepareSelect(sql);
      const reader = await this.connection.runAndReadAll(`EXPLAIN (FORMAT JSON) ${sql}`);
      const value = reader.getRowObjectsJS().find((row) => row["explain_key"] === "physical_plan")?.["explain_value"];
      return duckdbPlan(this.name, String(value ?? "[]"));
    } catch (error) {
      if (error instanceof StreamLinkError) throw error;
      const message = asError(error).message;
      throw new QueryError(message, hintFor(message), { engine: this.name, engineMessage: message, sql }, { cause: error, problem: duckdbProblem(message) });
    }
  }

  /**
   * The rows of the one SELECT `sql` as the bytes of a Parquet file, for a download. The user's connection stays
   * unable to write anywhere: a second, in-memory instance reads the same files through the same views, locked the
   * same way but for one more allowed folder (fresh, under this engine's scratch), writes there with COPY; the file
   * is read back and removed. A `.duckdb` file connection is not offered (its tables are not views to recreate).
   */
  async exportParquet(sql: string): Promise<Uint8Array> {
    if (this.sources.length === 0 && this.target !== ":memory:") {
      throw new UsageError("Parquet downloads are offered on folder connections only", "Download the result as CSV instead.", { engine: this.name, target: this.target });
    }
    await this.prepareSelect(sql);
    const { DuckDBInstance } = loadDuckDB();
    const folder = await mkdtemp(path.join(this.scratch, "export-"));
    const limits = await duckdbLimits(folder);
    const instance = await DuckDBInstance.create(":memory:", { threads: "1", memory_limit: limits.memoryLimit, max_temp_directory_size: limits.maxTempSize, temp_directory: path.join(folder, "spill") });
    const connection = await instance.connect();
    try {
      for (const source of this.sources) await connection.run(`CREATE VIEW ${quotedIdentifier(source.name)} AS SELECT * FROM ${source.sql}`);
      for (const statement of lockdownStatements(this.sources, [folder + path.sep])) await connection.run(statement);
      const file = path.join(folder, "result.parquet");
      // The checked SELECT as it ran on the user's connection (one statement, prepareSelect above), inside the one
      // statement DuckDB writes a file with; only this connection can run it, into this folder.
      await connection.run(`COPY (${sql}) TO ${quotedString(file)} (FORMAT parquet)`);
      return new Uint8Array(await readFile(file));
    } catch (error) {
      if (error instanceof StreamLinkError) throw error;
      const message = asError(error).message;
      throw new QueryError(`DuckDB could not write the result as Parquet: ${message}`, hintFor(message), { engine: this.name, engineMessage: message, sql }, { cause: error });
    } finally {
      connection.closeSync();
      instance.closeSync();
      await rm(folder, { recursive: true, force: true });
    }
  }

  /**
   * The engine's own read-only rule, under the checker: exactly one statement, and DuckDB must classify it
   * as a SELECT. A READ_ONLY database still accepts temporary tables and some PRAGMAs; this refuses them.
   */
  private async prepareSelect(sql: string): Promise<DuckDBPreparedStatement> {
    const { StatementType } = loadDuckDB();
    const statements = await this.connection.extractStatements(sql);
    if (statements.count !== 1) {
      throw new QueryError(`This connection runs exactly one statement at a time; got ${statements.count}`, "Run one SELECT per cell.", { engine: this.name, sql });
    }
    const prepared = await statements.prepare(0);
    if (prepared.statementType !== StatementType.SELECT) {
      throw new QueryError("This connection is read-only: only SELECT statements run", "Derive what you need in a WITH clause; nothing can be created or changed.", { engine: this.name, sql });
    }
    return prepared;
  }

  private stop(reason: "interrupt" | "timeout"): void {
    if (!this.running) return;
    this.cancelReason = reason;
    this.connection.interrupt();
  }

  async cancel(): Promise<void> {
    this.stop("interrupt");
  }

  async close(): Promise<void> {
    this.connection.closeSync();
    this.instance.closeSync();
    await rm(this.scratch, { recursive: true, force: true });
  }
}

/**
 * The target and every data file under it with its size and modification time, hashed: changes when the data
 * does, even where the tables, columns and row counts stay the same. A `.duckdb` file is its own data file.
 */
async function dataFingerprint(target: string, sources: readonly TableSource[]): Promise<string> {
  const filesOf = async ({ location }: TableSource): Promise<string[]> => {
    if ("file" in location) return [location.file];
    return (await readdir(location.folder, { recursive: true })).sort().map((f) => path.join(location.folder, f));
  };
  const files = sources.length > 0 ? await Promise.all(sources.map(filesOf)) : [target === ":memory:" ? [] : [target]];
  const hash = createHash("sha256").update(target);
  for (const file of files.flat()) {
    const info = await stat(file).catch(() => undefined);
    hash.update(`\n${file}\t${info?.size ?? -1}\t${info?.mtimeMs ?? -1}`);
  }
  return `${target}#${hash.digest("hex").slice(0, 16)}`;
}

/**
 * Streams chunks until `maxRows`: the fetch stops there, and rows past the cap are never read, only noticed. A time
 * limit or the stop button that came while a chunk was converted ends the collection too. With `partial`, the first
 * rows are also kept apart (the whole table is built once, at the end) and handed over while the chunks still come.
 */
async function collect(
  result: DuckDBResult,
  { maxRows, partial }: ExecuteOptions,
  engine: string,
  stopped: () => boolean,
  started: number,
): Promise<{ collector: ArrowCollector; truncated: boolean }> {
  const { ArrowCollector } = await loadToArrow();
  const names = result.deduplicatedColumnNames();
  const types = result.columnTypes();
  const collector = new ArrowCollector(names, types);
  const head = partial ? new ArrowCollector(names, types) : undefined;
  let due = started + (partial?.everyMs ?? 0);
  for (;;) {
    const chunk = await result.fetchChunk();
    // An interrupted stream ends as if it were complete: the rows so far are not the result, so it counts as stopped.
    if (stopped()) throw new Error("stopped while reading the result");
    if (!chunk || chunk.rowCount === 0) return { collector, truncated: false };
    const room = maxRows - collector.rowCount;
    if (room <= 0) return { collector, truncated: true };
    checkResultMemory(collector.rowCount, engine);
    const taken = collector.append(chunk, room);
    if (taken < chunk.rowCount) return { collector, truncated: true };
    if (!partial || !head) continue;
    head.append(chunk, partial.rows - head.rowCount);
    const now = performance.now();
    if (now < due) continue;
    partial.onRows({ table: head.toTable(), rowsSoFar: collector.rowCount, elapsedMs: now - started });
    due = now + partial.everyMs;
  }
}

/** DuckDB's messages name the problem; the hint says what the user can do about it. */
function hintFor(message: string): string {
  if (/Catalog Error: Table/i.test(message)) return "Run %tables to see the tables of this connection.";
  if (/Binder Error: .*column/i.test(message)) return "Run %schema TABLE to see its columns.";
  if (/Parser Error/i.test(message)) return "Fix the SQL near the position DuckDB names.";
  if (/Permission Error|external access|lock_configuration/i.test(message)) {
    return "This connection is read-only and cannot reach other files, the network or settings.";
  }
  if (/Out of Memory/i.test(message)) return "Aggregate or filter in SQL so that less data is held at once.";
  return "Check the SQL against %schema and try again.";
}

export const duckdbConnector: EngineConnector = {
  kind: "duckdb",
  dialect: "duckdb",
  connect: (request) => DuckDBEngine.open(request),
};
