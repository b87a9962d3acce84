import { describe, expect, it } from "vitest";
import { createChecker } from "../../checks/index.js";
import { TPCH_CATALOG } from "./fixtures/tpch-catalog.js";
import { tpchQueries } from "./fixtures/benign.js";

// Spark has no grammar of its own in node-sql-parser; Hive's, then MySQL's and Trino's, must between them
// read ordinary analytic SQL, or every Spark query would depend on the engine's EXPLAIN.
const checker = createChecker();

describe("Spark dialect", () => {
  it.each(tpchQueries().map((q) => [q.name, q.sql] as const))("%s is allowed with the TPC-H catalog", async (_name, sql) => {
    const verdict = await checker.check(sql, { dialect: "spark", catalog: TPCH_CATALOG });
    expect(verdict.findings.filter((f) => f.severity === "error")).toEqual([]);
  });

  it("reads backticks and double-quoted strings as Spark does", async () => {
    const verdict = await checker.check('SELECT `n_name` FROM nation WHERE n_name = "FRANCE"', { dialect: "spark", catalog: TPCH_CATALOG });
    expect(verdict.verdict).toBe("allow");
  });
});
