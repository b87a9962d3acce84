import { mkdtemp, readdir, rm, writeFile, copyFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Engine } from "../../core/engine.js";
import { EngineUnavailableError, QueryCancelledError, QueryError } from "../../core/errors.js";
import { duckdbConnector } from "../../engines/duckdb/engine.js";
import { ParquetWorkbench } from "../../engines/duckdb/writer.js";
import { CANONICAL } from "../support/paths.js";

const connect = (target: string, name = "t"): Promise<Engine> => duckdbConnector.connect({ kind: "duckdb", target, name });

describe("DuckDB engine on the canonical patents folder", () => {
  let engine: Engine;
  let scratch: string;

  beforeAll(async () => {
    scratch = await mkdtemp(path.join(tmpdir(), "sl-duck-"));
    for (const f of await readdir(CANONICAL)) if (f.endsWith(".parquet")) await copyFile(path.join(CANONICAL, f), path.join(scratch, f));
    await writeFile(path.join(scratch, "notes.csv"), "id,label\n1,alpha\n2,beta\n");
    await mkdir(path.join(scratch, "events", "year=2020"), { recursive: true });
    await copyFile(path.join(CANONICAL, "patent_inventors.parquet"), path.join(scratch, "events", "year=2020", "part-0.parquet"));
    engine = await connect(scratch);
  });

  afterAll(async () => {
    await engine.close();
    await rm(scratch, { recursive: true, force: true });
  });

  it("registers one table per file and one per partitioned folder, with typed columns", async () => {
    const catalog = await engine.catalog();
    expect(catalog.tables.map((t) => t.name)).toEqual(["events", "notes", "patent_cpc", "patent_inventors", "patents"]);
    const patents = catalog.tables.find((t) => t.name === "patents");
    expect(patents?.columns.map((c) => `${c.name}:${c.type}`)).toContain("grant_date:DATE");
    expect(patents?.columns.map((c) => `${c.name}:${c.type}`)).toContain("num_claims:INTEGER");
    expect(patents?.rowCount).toBe(14684);
    expect(catalog.tables.find((t) => t.name === "notes")?.rowCount).toBeUndefined();
    const events = catalog.tables.find((t) => t.name === "events");
    expect(events?.columns.map((c) => c.name)).toContain("year");
  });

  it("returns an Arrow table with engine types kept", async () => {
    const { table, truncated } = await engine.execute(
      "SELECT publication_number, grant_date, num_claims, CAST(num_claims AS DECIMAL(10,2)) AS d, num_claims > 20 AS many FROM patents WHERE publication_number = 'US-10001996-B2'",
      { maxRows: 100 },
    );
    expect(truncated).toBe(false);
    expect(table.numRows).toBe(1);
    const types = table.schema.fields.map((f) => f.metadata.get("streamlink.sql_type"));
    expect(types).toEqual(["VARCHAR", "DATE", "INTEGER", "DECIMAL(10,2)", "BOOLEAN"]);
    const row = table.get(0)?.toJSON() as Record<string, unknown>;
    expect(row.publication_number).toBe("US-10001996-B2");
    expect(new Date(Number(row.grant_date)).toISOString().slice(0, 10)).toBe("2018-06-19");
  });

  it("keeps NULLs and counts as Int64", async () => {
    const { table } = await engine.execute("SELECT count(*) AS n, count(cpc) AS with_cpc, max(abstract) IS NULL AS none FROM patents WHERE country = 'CN'", { maxRows: 10 });
    const row = table.get(0)?.toJSON() as Record<string, unknown>;
    expect(typeof row.n).toBe("bigint");
    expect(Number(row.n)).toBeGreaterThan(0);
    expect(Number(row.with_cpc)).toBe(0);
  });

  it("stops materialising at maxRows and says the result was cut", async () => {
    const capped = await engine.execute("SELECT * FROM patent_cpc", { maxRows: 2500 });
    expect(capped.table.numRows).toBe(2500);
    expect(capped.truncated).toBe(true);
    const exact = await engine.execute("SELECT * FROM patent_cpc LIMIT 2048", { maxRows: 2048 });
    expect(exact.truncated).toBe(false);
  });

  it("holds only the cap of a 10 M row result in memory", async () => {
    const before = process.memoryUsage().heapUsed;
    const { table, truncated } = await engine.execute("SELECT range AS i, 'row ' || range AS s FROM range(10000000)", { maxRows: 10_000 });
    expect(table.numRows).toBe(10_000);
    expect(truncated).toBe(true);
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(200 * 1024 * 1024);
  });

  it("is locked down: no writes, no other files, no settings, no extensions", async () => {
    const attempts = [
      "CREATE TABLE x AS SELECT 1",
      "DROP VIEW patents",
      `COPY (SELECT 1) TO '${path.join(scratch, "leak.csv")}'`,
      "SELECT * FROM read_csv('/etc/passwd')",
      "SET enable_external_access = true",
      "INSTALL httpfs",
      "LOAD httpfs",
      "ATTACH '/tmp/other.duckdb'",
      "CREATE TEMP TABLE scratch (x INT)",
      "PRAGMA enable_profiling",
      "SELECT 1; SELECT 2",
    ];
    for (const sql of attempts) {
      await expect(engine.execute(sql, { maxRows: 10 }), sql).rejects.toBeInstanceOf(QueryError);
    }
    expect((await readdir(scratch)).sort()).toEqual(["events", "notes.csv", "patent_cpc.parquet", "patent_inventors.parquet", "patents.parquet"]);
    const { table } = await engine.execute("SELECT count(*) AS n FROM patents", { maxRows: 1 });
    expect(Number(table.get(0)?.toJSON().n)).toBe(14684);
  });

  it("gives a hint with engine errors", async () => {
    const error = await engine.execute("SELECT nope FROM patents", { maxRows: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QueryError);
    expect((error as QueryError).hint).toMatch(/%schema/);
  });

  it("parses with DuckDB's own parser and returns its tree", async () => {
    const good = await engine.parse("SELECT * EXCLUDE (abstract) FROM patents GROUP BY ALL");
    expect(good.ok).toBe(true);
    expect(JSON.stringify(good.tree)).toContain("SELECT_NODE");
    const bad = await engine.parse("SELECT FROM WHERE");
    expect(bad.ok).toBe(false);
    expect(bad.message).toMatch(/syntax error/);
  });

  it("cancels a running query within a second and stays usable", async () => {
    const started = performance.now();
    const running = engine.execute("SELECT count(*) FROM range(100000000000)", { maxRows: 1 });
    setTimeout(() => void engine.cancel(), 300);
    await expect(running).rejects.toBeInstanceOf(QueryCancelledError);
    expect(performance.now() - started).toBeLessThan(1300);
    const { table } = await engine.execute("SELECT 1 AS one", { maxRows: 1 });
    expect(table.numRows).toBe(1);
  });

  it("stops a query at its time limit", async () => {
    const error = await engine.execute("SELECT count(*) FROM range(100000000000)", { maxRows: 1, timeoutMs: 300 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QueryCancelledError);
    expect((error as QueryCancelledError).code).toBe("timeout");
  });
});

describe("DuckDB engine targets", () => {
  it("opens :memory:", async () => {
    const engine = await connect(":memory:");
    const { table } = await engine.execute("SELECT 41 + 1 AS answer", { maxRows: 1 });
    expect(Number(table.get(0)?.toJSON().answer)).toBe(42);
    expect((await engine.catalog()).tables).toEqual([]);
    await engine.close();
  });

  it("refuses a missing path with a hint", async () => {
    const error = await connect("/no/such/folder").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EngineUnavailableError);
    expect((error as EngineUnavailableError).hint).toMatch(/relative paths start at the notebook's folder/);
  });

  it("reads a NAME.duckdb file as table NAME, instead of the Parquet folder it copies, read-only", async () => {
    const folder = await mkdtemp(path.join(tmpdir(), "sl-copy-"));
    const bench = await ParquetWorkbench.open();
    try {
      await mkdir(path.join(folder, "vectors"));
      await bench.copyToParquet("SELECT 'a' AS k, [1, 2, 3]::FLOAT[3] AS embedding", path.join(folder, "vectors", "part-00000.parquet"));
      await bench.copyToDatabase("SELECT * FROM (VALUES ('a', [1, 2, 3]::FLOAT[3]), ('b', [3, 2, 1]::FLOAT[3])) v(k, embedding)", path.join(folder, "vectors.duckdb"), "vectors");
      // Some other database: no table of its own name, so it is not shown (folders held such files before).
      await bench.copyToDatabase("SELECT 1 AS x", path.join(folder, "other.duckdb"), "unrelated");
    } finally {
      bench.close();
    }
    const engine = await connect(folder);
    try {
      expect((await engine.catalog()).tables.map((t) => t.name)).toEqual(["vectors"]);
      const { table } = await engine.execute("SELECT count(*) AS n, any_value(typeof(embedding)) AS type FROM vectors", { maxRows: 1 });
      expect(table.get(0)?.toJSON()).toMatchObject({ n: 2n, type: "FLOAT[3]" });
      const attached = await engine.execute("SELECT database_name AS db FROM duckdb_tables() WHERE table_name = 'vectors'", { maxRows: 1 });
      const db = String(attached.table.get(0)?.toJSON().db);
      await expect(engine.execute(`DELETE FROM ${db}.vectors`, { maxRows: 1 })).rejects.toThrow(/read-only|read only/i);
    } finally {
      await engine.close();
      await rm(folder, { recursive: true, force: true });
    }
  });

  it("refuses a folder without data files", async () => {
    const empty = await mkdtemp(path.join(tmpdir(), "sl-empty-"));
    await expect(connect(empty)).rejects.toThrow(/No \.parquet, \.csv or \.tsv files/);
    await rm(empty, { recursive: true });
  });
});
