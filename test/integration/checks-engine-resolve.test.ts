import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createChecker } from "../../checks/index.js";
import type { Engine } from "../../core/engine.js";
import type { CheckContext } from "../../core/verdict.js";
import { duckdbConnector } from "../../engines/duckdb/engine.js";

// Issue #20 on a real DuckDB: what only DuckDB's own parser reads is judged as DuckDB resolves it, and what
// the checker allows runs.
const checker = createChecker();
let engine: Engine;
let context: CheckContext;
beforeAll(async () => {
  engine = await duckdbConnector.connect({ kind: "duckdb", target: ":memory:", name: "resolve" });
  context = { dialect: "duckdb", engineParse: (sql) => engine.parse(sql), rowCap: 1000 };
});
afterAll(async () => {
  await engine.close();
});

describe("DuckDB-only syntax", () => {
  it.each([
    ["SELECT list_resize([1], 3e8)", "security.unbounded"],
    ["SELECT system.main.current_setting('allowed_directories')", "security.secrets"],
    ["SELECT * FROM system.main.duckdb_views()", "security.system-catalog"],
    ["SELECT system.main.getenv('HOME')", "security.secrets"],
    ["SELECT * FROM system.main.range(1e11)", "security.generator"],
  ])("%s is refused by %s", async (sql, rule) => {
    const verdict = await checker.check(sql, context);
    expect(verdict.verdict).toBe("block");
    expect(verdict.findings.some((f) => f.rule === rule && f.severity === "error"), JSON.stringify(verdict.findings)).toBe(true);
  });

  it("allows SUMMARIZE without a row cap, and it runs", async () => {
    const verdict = await checker.check("SUMMARIZE SELECT 1 AS x, 'a' AS y", context);
    expect(verdict.verdict, JSON.stringify(verdict.findings)).toBe("allow");
    expect(verdict.executedSql).toBe("SUMMARIZE SELECT 1 AS x, 'a' AS y");
    const result = await engine.execute(verdict.executedSql, { maxRows: 100 });
    expect(result.table.numRows).toBe(2);
  });
});
