/**
 * The Spark path as a user meets it, on a real standalone cluster started and stopped through the CLI:
 * errors while no cluster runs, start/status/stop, progress, cancel and timeout that really stop the Spark job
 * (checked in Spark's REST API), a worker killed mid-query, and the Thrift server dying and coming back.
 */
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { QueryProgress } from "../../core/engine.js";
import { findTable } from "../../core/catalog.js";
import { ConfirmScanError, EngineUnavailableError, QueryCancelledError, QueryError } from "../../core/errors.js";
import type { ClusterStatus } from "../../engines/spark/cluster/cluster.js";
import { SparkEngine, sparkConnector } from "../../engines/spark/engine.js";
import { createSession } from "../../kernel/compose.js";
import { cli } from "../support/cli.js";
import { CANONICAL, REPO } from "../support/paths.js";
import { freePort } from "../support/ports.js";

/** A free port, not a fixed one: another checkout may run its own cluster on this machine. */
const PORT = await freePort();
/** Starting a cluster takes one to two minutes on a busy 2-core machine; each test gets room for that. */
const TEST_TIMEOUT_MS = 600_000;
const URL = `thrift://127.0.0.1:${PORT}`;
const JARS = path.join(REPO, ".cache", "spark", "jars", "*");

/** A CPU-bound query of 24 tasks whose answer is known: ids with id % 7 = 3 below N (sha2 only burns time). */
const N = 48_000_000;
const SLOW_SQL = `SELECT count(*) AS n FROM range(0, ${N}, 1, 24) WHERE id % 7 = 3 AND length(sha2(CAST(id AS STRING), 256)) = 64`;
const SLOW_ANSWER = BigInt(Math.floor((N - 1 - 3) / 7) + 1);
/** The same work 20 times over (minutes on 2 cores), for the tests that stop a job: on an idle machine SLOW_SQL
 * itself can finish before a 3 s limit or a cancel takes effect. */
const SLOWER_SQL = SLOW_SQL.replace(`range(0, ${N},`, `range(0, ${N * 20},`);

async function status(): Promise<ClusterStatus> {
  const { code, stdout } = await cli("spark", "status");
  expect(code).toBe(0);
  return JSON.parse(stdout) as ClusterStatus;
}

/** Spark JVMs of this checkout still running (master, workers, Thrift server, executors). */
function sparkPids(): number[] {
  return readdirSync("/proc").filter((e) => /^\d+$/.test(e)).filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").includes(JARS);
    } catch {
      return false;
    }
  }).map(Number);
}

/** Resolves with the first progress report that shows `atLeast` finished tasks. */
function progressReaching(atLeast: number): { onProgress: (p: QueryProgress) => void; reached: Promise<QueryProgress>; seen: QueryProgress[] } {
  const seen: QueryProgress[] = [];
  let resolve: (p: QueryProgress) => void = () => undefined;
  const reached = new Promise<QueryProgress>((r) => { resolve = r; });
  return {
    seen,
    reached,
    onProgress: (p) => {
      seen.push(p);
      if ((p.totalTasks ?? 0) > 0 && (p.completedTasks ?? 0) >= atLeast) resolve(p);
    },
  };
}

describe("Spark cluster through the CLI and the engine", () => {
  let engine: SparkEngine;

  beforeAll(async () => {
    await cli("spark", "stop");
  });

  afterAll(async () => {
    await engine?.close().catch(() => undefined);
    await cli("spark", "stop");
  });

  it("says how to start a cluster when none runs", async () => {
    const error = await sparkConnector.connect({ kind: "spark", target: URL, name: "spark" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EngineUnavailableError);
    expect((error as EngineUnavailableError).hint).toContain("npx streamlink spark start");
    const run = await cli("sql", "--engine", "spark", "--url", URL, "SELECT 1");
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`No Spark Thrift server answers at ${URL}`);
    expect(run.stderr).toContain("hint: Start a local cluster with `npx streamlink spark start");
    const bad = await cli("sql", "--engine", "spark", "--url", "http://nope", "SELECT 1");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("thrift://HOST:PORT");
  }, TEST_TIMEOUT_MS);

  it("starts master, two workers and the Thrift server, with the data registered", async () => {
    const start = await cli("spark", "start", "--workers", "2", "--data", CANONICAL, "--port", String(PORT));
    expect(start.code, start.stderr).toBe(0);
    expect(start.stdout).toContain(`ready in`);
    expect(start.stdout).toContain(URL);
    const s = await status();
    expect(s.running).toBe(true);
    expect(s.state?.ready).toBe(true);
    expect(s.thriftReachable).toBe(true);
    expect(s.aliveWorkers).toBe(2);
    expect(s.processes.map((p) => p.role).sort()).toEqual(["master", "thrift", "worker", "worker"]);
    expect(s.state?.tables).toEqual(["patent_cpc", "patent_inventors", "patents"]);
    const again = await cli("spark", "start", "--port", String(PORT));
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("already running");

    const run = await cli("sql", "--engine", "spark", "--url", URL, "--format", "json", "SELECT country, count(*) AS n FROM patents GROUP BY country ORDER BY n DESC LIMIT 1");
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ columns: [{ name: "country", type: "STRING" }, { name: "n", type: "BIGINT" }], rows: [["US", 13514]] });
    engine = (await sparkConnector.connect({ kind: "spark", target: URL, name: "spark" })) as SparkEngine;
    expect(engine.rest).toBeDefined();
    // What Tab offers in a %%sql --engine spark cell: the server's own functions (GetFunctions).
    const catalog = await engine.catalog();
    expect(catalog.functions).toEqual(expect.arrayContaining(["date_trunc", "approx_count_distinct", "count"]));
  }, TEST_TIMEOUT_MS);

  it("reads files only through registered tables", async () => {
    const error = await engine.execute(`SELECT * FROM parquet.\`${path.join(CANONICAL, "patents.parquet")}\``, { maxRows: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QueryError);
    expect((error as QueryError).hint).toMatch(/registered tables|%tables/);
    const parsed = await engine.parse("SELEC 1");
    expect(parsed.ok).toBe(false);
    expect(parsed.message).toContain("PARSE_SYNTAX_ERROR");
    expect((await engine.parse("SELECT count(*) FROM patents")).ok).toBe(true);
    // %%sql --explain on Spark: its EXPLAIN COST as Spark prints it; nothing runs.
    const plan = await engine.plan("SELECT country, count(*) AS n FROM patents GROUP BY country");
    expect(plan.text).toContain("== Optimized Logical Plan ==");
    expect(plan.text).toMatch(/Aggregate \[country/);
    expect(plan.scanRows).toBeUndefined();
    await expect(engine.plan("SELECT nope FROM patents")).rejects.toBeInstanceOf(QueryError);
  }, TEST_TIMEOUT_MS);

  it("confirm_rows stops a Spark query whose tables hold more rows, from the catalog's counts; --yes runs it", async () => {
    const counted = await engine.execute("SELECT count(*) FROM patents", { maxRows: 1 });
    const patents = Number(counted.table.getChildAt(0)?.get(0));
    expect(findTable(await engine.catalog(), "patents")?.rowCount).toBe(patents);
    const session = createSession();
    try {
      await session.connect({ kind: "spark", target: URL, name: "spark" });
      session.config.confirm_rows = patents - 1;
      const sql = "SELECT country, count(*) AS n FROM patents GROUP BY country";
      const refused = await session.run(sql, { confirmLargeScan: true }).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(ConfirmScanError);
      expect((refused as ConfirmScanError).message).toBe(
        `The tables this query reads hold ${patents.toLocaleString("en-US")} rows (the catalog's counts), more than confirm_rows (${(patents - 1).toLocaleString("en-US")}); nothing ran.`,
      );
      const confirmed = await session.run(sql, { confirmLargeScan: false });
      expect(confirmed.result.table.numRows).toBeGreaterThan(1);
      // The viewer's Parquet download needs a file where the kernel runs; Spark writes on its workers, and says so.
      await expect(session.exportParquet(sql)).rejects.toThrow(/spark connection cannot hand the kernel a Parquet file \(Spark writes files on its workers/);
      // A table function has no catalog count: no estimate, so nothing is asked.
      const generated = await session.run("SELECT count(*) AS n FROM range(0, 1000000)", { confirmLargeScan: true });
      expect(Number(generated.result.table.getChildAt(0)?.get(0))).toBe(1_000_000);
    } finally {
      await session.close();
    }
  }, TEST_TIMEOUT_MS);

  it("the cluster itself refuses code execution and setting changes (checker bypassed)", async () => {
    for (const sql of [
      "SELECT TRANSFORM(country) USING 'cat' AS (c) FROM patents",
      "SELECT reflect('java.lang.System', 'getenv', 'HOME')",
      "SELECT * FROM patents WHERE country IN (SELECT java_method('java.lang.System', 'getProperty', 'user.home'))",
      "SET spark.sql.runSQLOnFiles=true",
      "ADD JAR /tmp/x.jar",
      "CREATE FUNCTION f AS 'org.example.F' USING JAR '/tmp/x.jar'",
    ]) {
      const error = await engine.execute(sql, { maxRows: 1 }).catch((e: unknown) => e);
      expect(error, sql).toBeInstanceOf(QueryError);
      expect((error as QueryError).message, sql).toContain("STREAMLINK_BLOCKED");
      expect((error as QueryError).hint).toContain("refuses statements that run code");
    }
    const { table } = await engine.execute("SET spark.sql.runSQLOnFiles", { maxRows: 1 });
    expect(table.getChild("value")?.get(0)).toBe("false");
  }, TEST_TIMEOUT_MS);

  it("reports progress and cancel stops the Spark job", async () => {
    const progress = progressReaching(1);
    const running = engine.execute(SLOWER_SQL, { maxRows: 10, onProgress: progress.onProgress }).catch((e: unknown) => e);
    await progress.reached;
    await engine.cancel();
    const error = await running;
    expect(error).toBeInstanceOf(QueryCancelledError);
    expect((error as QueryCancelledError).code).toBe("interrupted");
    expect(progress.seen.some((p) => /Spark: \d+\/24 tasks/.test(p.message))).toBe(true);
    const marker = String((error as QueryCancelledError).data["marker"]);
    const rest = engine.rest;
    if (!rest) throw new Error("no REST API");
    // Spark marks the killed job FAILED once its running tasks are stopped; it never completes its tasks.
    await expect.poll(async () => (await rest.jobsTagged(marker)).some((j) => j.status === "RUNNING"), { timeout: 30_000, interval: 500 }).toBe(false);
    const jobs = await rest.jobsTagged(marker);
    expect(jobs.map((j) => j.status)).toContain("FAILED");
    expect(jobs.every((j) => j.status !== "SUCCEEDED" || j.numTasks === j.numCompletedTasks)).toBe(true);
    expect(jobs.find((j) => j.status === "FAILED")?.numCompletedTasks).toBeLessThan(24);
    await expect.poll(async () => (await rest.executors()).reduce((n, e) => n + e.activeTasks, 0), { timeout: 30_000, interval: 500 }).toBe(0);
    // The connection stays usable.
    const { table } = await engine.execute("SELECT count(*) AS n FROM patent_cpc", { maxRows: 1 });
    expect(table.get(0)?.toJSON()["n"]).toBe(29_580n);
  }, TEST_TIMEOUT_MS);

  it("a time limit stops the job on the cluster", async () => {
    const started = performance.now();
    const error = await engine.execute(SLOWER_SQL, { maxRows: 10, timeoutMs: 3_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QueryCancelledError);
    expect((error as QueryCancelledError).code).toBe("timeout");
    expect(performance.now() - started).toBeLessThan(30_000);
    const marker = String((error as QueryCancelledError).data["marker"]);
    await expect.poll(async () => (await engine.rest?.jobsTagged(marker))?.some((j) => j.status === "RUNNING"), { timeout: 30_000, interval: 500 }).toBe(false);
  }, TEST_TIMEOUT_MS);

  it("a worker killed mid-query: the query still returns the right answer, status shows the lost worker", async () => {
    const before = await status();
    const worker = before.processes.find((p) => p.role === "worker");
    if (!worker) throw new Error("no worker");
    const progress = progressReaching(2);
    const running = engine.execute(SLOW_SQL, { maxRows: 10, onProgress: progress.onProgress });
    await progress.reached;
    process.kill(worker.pid, "SIGKILL");
    const { table } = await running;
    expect(table.get(0)?.toJSON()["n"]).toBe(SLOW_ANSWER);
    const after = await status();
    expect(after.processes.find((p) => p.pid === worker.pid)?.alive).toBe(false);
    expect(after.aliveWorkers ?? 0).toBeLessThanOrEqual(1);
    expect(after.thriftReachable).toBe(true);
  }, TEST_TIMEOUT_MS);

  it("the Thrift server gone: a clear error, and the next query works once the cluster is back", async () => {
    const thrift = (await status()).processes.find((p) => p.role === "thrift");
    if (!thrift) throw new Error("no Thrift server");
    process.kill(thrift.pid, "SIGKILL");
    const error = await engine.execute("SELECT count(*) FROM patents", { maxRows: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EngineUnavailableError);
    expect((error as EngineUnavailableError).message).toContain(URL);
    expect((error as EngineUnavailableError).hint).toContain("npx streamlink spark start");

    expect((await cli("spark", "stop")).code).toBe(0);
    const restart = await cli("spark", "start", "--workers", "1", "--data", CANONICAL, "--port", String(PORT));
    expect(restart.code, restart.stderr).toBe(0);
    const { table } = await engine.execute("SELECT count(*) AS n FROM patents", { maxRows: 1 });
    expect(table.get(0)?.toJSON()["n"]).toBe(14_684n);
  }, TEST_TIMEOUT_MS);

  it("stop leaves no Spark process behind", async () => {
    await engine.close();
    const stop = await cli("spark", "stop");
    expect(stop.code).toBe(0);
    expect(stop.stdout).toMatch(/Stopped \d+ Spark process/);
    expect(sparkPids()).toEqual([]);
    const s = await status();
    expect(s.running).toBe(false);
    expect(s.thriftReachable).toBe(false);
  }, TEST_TIMEOUT_MS);
});
