import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createChecker } from "../../checks/index.js";
import type { Engine } from "../../core/engine.js";
import type { CheckContext } from "../../core/verdict.js";
import { duckdbConnector } from "../../engines/duckdb/engine.js";
import { TPCH_CATALOG } from "../unit/fixtures/tpch-catalog.js";
import { REPO_ROOT, spiderCatalogs, spiderGold, tpchQueries } from "../unit/fixtures/benign.js";

/** No injection signal at all, not even a warning, on a user's own analytic SQL. */
const injectionFindings = (verdict: { findings: readonly { rule: string }[] }): string[] =>
  verdict.findings.filter((f) => f.rule.startsWith("injection.")).map((f) => f.rule);

// Legitimate analytic SQL must pass both checkers (threat T12): every TPC-H query against the TPC-H
// schema, every runnable Spider dev gold query against its own database's catalog. As in a session,
// the checker may ask a real DuckDB's parser about syntax node-sql-parser's grammar lacks.
const checker = createChecker();
let engine: Engine;
beforeAll(async () => {
  engine = await duckdbConnector.connect({ kind: "duckdb", target: ":memory:", name: "parser" });
});
afterAll(async () => {
  await engine.close();
});
const context = (catalog: CheckContext["catalog"]): CheckContext => ({
  dialect: "duckdb",
  catalog,
  rowCap: 1000,
  engineParse: (sql) => engine.parse(sql),
  engineParseMany: (sqls) => engine.parseMany?.(sqls) ?? Promise.resolve([]),
});

describe("TPC-H queries", () => {
  const queries = tpchQueries();
  it("reads all 22 statements from tpch.sql", () => {
    expect(queries).toHaveLength(22);
  });
  it("are allowed in one batch on DuckDB's own trees", async () => {
    const verdicts = await checker.checkMany(queries.map((q) => q.sql), context(TPCH_CATALOG));
    expect(verdicts.map((v) => [v.verdict, injectionFindings(v)])).toEqual(queries.map(() => ["allow", []]));
  });
  it.each(queries.map((q) => [q.name, q.sql] as const))("%s is allowed with the TPC-H catalog", async (_name, sql) => {
    const verdict = await checker.check(sql, context(TPCH_CATALOG));
    expect(verdict.findings.filter((f) => f.severity === "error")).toEqual([]);
    expect(injectionFindings(verdict)).toEqual([]);
    expect(verdict.verdict).toBe("allow");
  });
});

describe("demo notebooks", () => {
  const cells = readdirSync(path.join(REPO_ROOT, "notebooks"))
    .filter((f) => f.endsWith(".ipynb"))
    .flatMap((f) => {
      type Cell = { source: string | string[]; metadata?: { tags?: string[] } };
      const notebook = JSON.parse(readFileSync(path.join(REPO_ROOT, "notebooks", f), "utf8")) as { cells: Cell[] };
      // Cells tagged raises-exception demonstrate a refusal (the teacher notebook's stacked DROP): not benign.
      return notebook.cells
        .filter((c) => !c.metadata?.tags?.includes("raises-exception"))
        .map((c) => (Array.isArray(c.source) ? c.source.join("") : c.source))
        .filter((source) => source.startsWith("%%sql") || source.startsWith("%%remember"))
        .map((source) => [f, source.slice(source.indexOf("\n") + 1)] as const);
    });
  it("have SQL cells", () => {
    expect(cells.length).toBeGreaterThan(5);
  });
  it.each(cells)("%s: %s carries no injection signal", async (_file, sql) => {
    expect(injectionFindings(await checker.check(sql, { dialect: "duckdb" }))).toEqual([]);
  });
});

describe("Spider dev gold queries", () => {
  const catalogs = spiderCatalogs();
  const gold = spiderGold();
  it("has the 972 runnable gold queries (wta_1 is missing)", () => {
    expect(gold).toHaveLength(972);
  });
  it("allows every runnable gold query that DuckDB can parse, against its own catalog", async () => {
    const blocked: { sql: string; why: string }[] = [];
    for (const q of gold) {
      const catalog = catalogs.get(q.db);
      expect(catalog, q.db).toBeDefined();
      const verdict = await checker.check(q.sql, context(catalog));
      expect(injectionFindings(verdict), q.sql).toEqual([]);
      if (verdict.verdict !== "allow") blocked.push({ sql: q.sql, why: `${q.db}: ${JSON.stringify(verdict.findings)}` });
    }
    // SQLite accepts `FROM SHOW`; DuckDB reserves SHOW, so these cannot run on DuckDB and are refused as syntax.
    for (const b of blocked) expect((await engine.parse(b.sql)).ok, b.why).toBe(false);
    expect(blocked.map((b) => b.sql)).toEqual(["SELECT avg(Attendance) FROM SHOW", "SELECT avg(Attendance) FROM SHOW"]);
  });
  it("gets the same verdicts in batches, judged on DuckDB's own trees", async () => {
    const byDb = new Map<string, string[]>();
    for (const q of gold) byDb.set(q.db, [...(byDb.get(q.db) ?? []), q.sql]);
    for (const [db, sqls] of byDb) {
      const verdicts = await checker.checkMany(sqls, context(catalogs.get(db)));
      for (const [i, verdict] of verdicts.entries()) {
        const sql = sqls[i] ?? "";
        expect(injectionFindings(verdict), sql).toEqual([]);
        // What DuckDB cannot parse (SQLite's `FROM SHOW`, a JOIN without ON) cannot run: a syntax block, never more.
        const runnable = (await engine.parse(sql)).ok;
        expect([verdict.verdict, verdict.category], `${db}: ${sql} ${JSON.stringify(verdict.findings)}`).toEqual(runnable ? ["allow", "ok"] : ["block", "syntax"]);
      }
    }
  });
});
