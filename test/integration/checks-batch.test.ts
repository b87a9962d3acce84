import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createChecker } from "../../checks/index.js";
import type { Engine } from "../../core/engine.js";
import type { CheckContext } from "../../core/verdict.js";
import { duckdbConnector } from "../../engines/duckdb/engine.js";
import { PAYLOAD_ALLOWED, PAYLOAD_CATALOG, PAYLOADS } from "../unit/fixtures/payloads.js";

// checkMany judges SELECTs on DuckDB's own trees (one engine call per batch); it must say what check says.
const checker = createChecker();
let engine: Engine;
beforeAll(async () => {
  engine = await duckdbConnector.connect({ kind: "duckdb", target: ":memory:", name: "batch" });
});
afterAll(async () => {
  await engine.close();
});

describe("checkMany on the payload table", () => {
  it("gives every DuckDB payload the verdict, category and rule of its row", async () => {
    const cases = PAYLOADS.filter((p) => p.dialect === "duckdb" && p.author === undefined);
    const context: CheckContext = {
      dialect: "duckdb",
      catalog: PAYLOAD_CATALOG,
      allowedTables: PAYLOAD_ALLOWED,
      rowCap: 1000,
      engineParse: (sql) => engine.parse(sql),
      engineParseMany: (sqls) => engine.parseMany?.(sqls) ?? Promise.resolve([]),
    };
    const verdicts = await checker.checkMany(cases.map((p) => p.sql), context);
    const wrong = cases.flatMap((p, i) => {
      const v = verdicts[i];
      const ok =
        v !== undefined &&
        v.verdict === p.verdict &&
        (p.category === undefined || v.category === p.category) &&
        (p.verdict === "allow" || v.findings.some((f) => f.rule === p.rule && f.severity === "error"));
      return ok ? [] : [`${p.sql} → ${v?.verdict} ${v?.category} ${JSON.stringify(v?.findings.map((f) => f.rule))}`];
    });
    expect(wrong).toEqual([]);
  });
});
