import { copyFile, mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createChecker } from "../../checks/index.js";
import type { ConnectRequest, Engine, EngineConnector, ExecuteOptions, QueryResult } from "../../core/engine.js";
import { BlockedQueryError } from "../../core/errors.js";
import { duckdbConnector } from "../../engines/duckdb/engine.js";
import { Session } from "../../session/session.js";
import { PAYLOADS } from "../unit/fixtures/payloads.js";
import { CANONICAL } from "../support/paths.js";

/** The real DuckDB engine, with every execute() counted: the proof that blocked SQL never arrives. */
class CountingEngine implements Engine {
  readonly executed: string[] = [];
  constructor(private readonly inner: Engine) {}
  get name(): string { return this.inner.name; }
  get dialect(): Engine["dialect"] { return this.inner.dialect; }
  get target(): string { return this.inner.target; }
  catalog(): ReturnType<Engine["catalog"]> { return this.inner.catalog(); }
  parse(sql: string): ReturnType<Engine["parse"]> { return this.inner.parse(sql); }
  execute(sql: string, options: ExecuteOptions): Promise<QueryResult> {
    this.executed.push(sql);
    return this.inner.execute(sql, options);
  }
  plan(sql: string): ReturnType<Engine["plan"]> { return this.inner.plan(sql); }
  estimateScan(...args: Parameters<Engine["estimateScan"]>): ReturnType<Engine["estimateScan"]> { return this.inner.estimateScan(...args); }
  cancel(): Promise<void> { return this.inner.cancel(); }
  close(): Promise<void> { return this.inner.close(); }
}

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), "sl-checks-"));
  for (const f of await readdir(CANONICAL)) if (f.endsWith(".parquet")) await copyFile(path.join(CANONICAL, f), path.join(scratch, f));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe("a blocked query never reaches the engine", () => {
  let session: Session;
  let counting: CountingEngine | undefined;
  const connector: EngineConnector = {
    kind: "duckdb",
    dialect: "duckdb",
    async connect(request: ConnectRequest): Promise<Engine> {
      counting = new CountingEngine(await duckdbConnector.connect(request));
      return counting;
    },
  };

  beforeAll(async () => {
    session = new Session({ checker: createChecker(), connectors: [connector] });
    await session.connect({ kind: "duckdb", target: scratch, name: "patents" });
  });
  afterAll(async () => {
    await session.close();
  });

  // Cartesian products are refused only when the catalog has row counts (the payload table's has; this
  // engine's views over Parquet do not report them), so those rows are left to the unit table.
  const blocked = PAYLOADS.filter((p) => p.dialect === "duckdb" && p.verdict === "block" && p.rule !== "plan.cartesian");
  // A weak injection signal blocks only SQL a model wrote: those rows run as the model's.
  it.each(blocked.map((p) => [p.threat, p.sql, p.author] as const))("%s: %s", async (_threat, sql, author) => {
    const before = counting?.executed.length ?? 0;
    await expect(session.run(sql, { author })).rejects.toBeInstanceOf(BlockedQueryError);
    expect(counting?.executed.length).toBe(before);
  });

  it("an allowed query does reach it, with the row cap the checker added", async () => {
    const before = counting?.executed.length ?? 0;
    const run = await session.run("SELECT title FROM patents");
    expect(run.verdict.verdict).toBe("allow");
    expect(counting?.executed.slice(before)).toEqual([run.verdict.executedSql]);
    expect(run.verdict.executedSql).toMatch(/\nLIMIT \d+$/);
  });
});

describe("second wall: T1–T4 payloads run on the locked-down engine with the checker bypassed", () => {
  let engine: Engine;
  let canary: Server;
  let canaryHits = 0;
  let canaryUrl = "";

  const state = async (): Promise<string> => {
    const run = async (sql: string): Promise<string> => {
      const result = await engine.execute(sql, { maxRows: 1000 });
      return JSON.stringify(result.table.toArray().map((r) => r?.toJSON()), (_k, v: unknown) => (typeof v === "bigint" ? String(v) : v));
    };
    return [
      await run("SELECT table_name, column_name FROM information_schema.columns ORDER BY ALL"),
      await run("SELECT count(*) FROM patents"),
      await run("SELECT current_setting('enable_external_access'), current_setting('lock_configuration'), current_setting('memory_limit'), current_setting('allowed_directories'), current_setting('enable_profiling')"),
      await run("SELECT database_name FROM duckdb_databases() ORDER BY 1"),
    ].join("\n");
  };

  beforeAll(async () => {
    engine = await duckdbConnector.connect({ kind: "duckdb", target: scratch, name: "wall" });
    canary = createServer((_req, res) => {
      canaryHits++;
      res.end("secret");
    });
    await new Promise<void>((resolve) => canary.listen(0, "127.0.0.1", resolve));
    canaryUrl = `http://127.0.0.1:${(canary.address() as AddressInfo).port}/x.csv`;
  });
  afterAll(async () => {
    await engine.close();
    await new Promise<void>((resolve) => canary.close(() => resolve()));
  });

  // Payloads the checker refuses on principle that the engine may run because they only read:
  // they must still change nothing.
  const READ_ONLY_FORMS = new Set([
    "SELECT title FROM patents LIMIT 1; SELECT 2", "PRAGMA database_list", "CALL pragma_version()", "SELECT * FROM information_schema.tables",
  ]);
  const wall = PAYLOADS.filter((p) => p.dialect === "duckdb" && ["T1", "T2", "T3", "T4"].includes(p.threat));
  it.each(wall.map((p) => [p.threat, p.sql] as const))("%s: %s is refused or changes nothing", async (_threat, sql) => {
    const before = await state();
    const outcome = await engine.execute(sql, { maxRows: 10 }).then(() => "ran", () => "refused");
    expect(await state()).toBe(before);
    if (!READ_ONLY_FORMS.has(sql)) expect(outcome).toBe("refused");
  });

  it("no file is written by COPY or EXPORT", async () => {
    for (const target of ["/tmp/streamlink-payload-out.csv", "/tmp/streamlink-payload.parquet", "/tmp/streamlink-payload-dump"]) {
      await expect(stat(target)).rejects.toThrow();
    }
  });

  it("a canary HTTP server on loopback sees no request", async () => {
    for (const sql of [`SELECT * FROM read_csv('${canaryUrl}')`, `SELECT * FROM read_text('${canaryUrl}')`, `SELECT * FROM '${canaryUrl}'`, `ATTACH '${canaryUrl}' AS c`]) {
      await expect(engine.execute(sql, { maxRows: 10 })).rejects.toThrow();
    }
    expect(canaryHits).toBe(0);
  });
});

describe("DuckDB's own parser where node-sql-parser's grammar stops", () => {
  let engine: Engine;
  const checker = createChecker();
  beforeAll(async () => {
    engine = await duckdbConnector.connect({ kind: "duckdb", target: scratch, name: "fallback" });
  });
  afterAll(async () => {
    await engine.close();
  });
  const check = async (sql: string) =>
    checker.check(sql, { dialect: "duckdb", catalog: await engine.catalog(), engineParse: (text) => engine.parse(text), rowCap: 100 });

  it.each([
    ["SELECT * FROM read_csv(['/etc/passwd'], header = true)", "security.file-access"],
    ["FROM read_text('/etc/passwd')", "security.file-access"],
    ["SELECT [1, 2] AS l, getenv('HOME')", "security.secrets"],
    ["SELECT * FROM duckdb_tables() t(a)", "security.system-catalog"],
    ["SELECT * EXCLUDE (title) FROM patents, patent_cpc", "plan.cartesian"],
    ["SELECT * EXCLUDE (titel) FROM patents", "catalog.unknown-column"],
  ])("walks DuckDB's tree of %s", async (sql, rule) => {
    const verdict = await check(sql);
    expect(verdict.findings.map((f) => f.rule)).toContain(rule);
  });

  it("allows DuckDB-only syntax that is read-only and names real columns", async () => {
    for (const sql of ["SELECT * EXCLUDE (abstract) FROM patents LIMIT 2", "FROM patents SELECT title LIMIT 1", "SELECT list_transform([1, 2], x -> x + 1) AS l, title FROM patents LIMIT 1"]) {
      const verdict = await check(sql);
      expect(verdict.findings.filter((f) => f.severity === "error"), sql).toEqual([]);
      expect(verdict.verdict).toBe("allow");
    }
  });

  it("judges SUMMARIZE and SHOW by the tables they read", async () => {
    expect((await check("SUMMARIZE patents")).verdict).toBe("allow");
    const hidden = await check("SUMMARIZE SELECT * FROM information_schema.tables");
    expect(hidden.findings.map((f) => f.rule)).toContain("security.system-catalog");
    expect((await check("SHOW TABLES")).verdict).toBe("block");
  });

  it("refuses statements DuckDB parses but will not serialise (non-SELECT)", async () => {
    const verdict = await check("PIVOT patents ON assignee USING count(*)");
    expect(verdict.verdict).toBe("block");
  });
});
