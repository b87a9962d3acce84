import { describe, expect, it } from "vitest";
import { createChecker } from "../../checks/index.js";
import type { Catalog } from "../../core/catalog.js";
import { sparkSimilarity } from "../../engines/spark/similarity.js";
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

  // Spark's higher-order functions take lambdas (`x -> x * 2`); MySQL's grammar reads `->` as its JSON operator,
  // which turned the parameters into unknown columns and split the body at the first `*`.
  it.each([
    ["one parameter", "SELECT transform(array(n_nationkey, n_regionkey), x -> x * 2) AS doubled FROM nation LIMIT 5"],
    ["two parameters and a real column in the body", "SELECT aggregate(array(n_nationkey), CAST(0 AS DOUBLE), (acc, x) -> acc + x * n_regionkey) AS s FROM nation LIMIT 5"],
    ["a lambda in WHERE", "SELECT n_name FROM nation WHERE exists(array(n_nationkey, n_regionkey), k -> k > 3) LIMIT 5"],
    ["nested lambdas", "SELECT transform(array(array(n_nationkey)), xs -> filter(xs, x -> x > n_regionkey)) AS kept FROM nation LIMIT 5"],
  ])("reads a lambda (%s): its parameters are not columns", async (_name, sql) => {
    const verdict = await checker.check(sql, { dialect: "spark", catalog: TPCH_CATALOG });
    expect(verdict.findings).toEqual([]);
    expect(verdict.verdict).toBe("allow");
  });

  it.each([
    ["an unknown column", "SELECT transform(array(n_nationkey), x -> x * n_nope) AS t FROM nation LIMIT 5", "catalog.unknown-column"],
    ["a refused function", "SELECT transform(array(n_nationkey), x -> reflect('java.lang.Runtime', 'getRuntime')) AS t FROM nation LIMIT 5", "security.code-execution"],
    ["a table not on the connection", "SELECT filter(array(n_nationkey), x -> x IN (SELECT 1 FROM secrets)) AS t FROM nation LIMIT 5", "catalog.unknown-table"],
  ])("still judges what a lambda's body names (%s)", async (_name, sql, rule) => {
    const verdict = await checker.check(sql, { dialect: "spark", catalog: TPCH_CATALOG });
    expect(verdict.verdict).toBe("block");
    expect(verdict.findings.map((f) => f.rule)).toContain(rule);
  });

  it("allows the semantic filter's ranking queries (a dot product over the embedding array), with and without a shortlist", async () => {
    const col = (name: string, type: string) => ({ name, type, nullable: false });
    const catalog: Catalog = {
      tables: [
        { name: "patents", columns: [col("publication_number", "STRING"), col("title", "STRING")] },
        { name: "patents_embeddings_title", columns: [col("publication_number", "STRING"), col("embedding", "ARRAY<FLOAT>"), col("model", "STRING")] },
      ],
    };
    const vector = Float32Array.from({ length: 384 }, (_v, i) => Math.sin(i) / 14);
    for (const shortlist of [undefined, 2000]) {
      const sql = sparkSimilarity.rank("SELECT publication_number, title FROM patents WHERE title LIKE '%memory%'", "patents_embeddings_title", "publication_number", vector, 20, shortlist);
      const verdict = await checker.check(sql, { dialect: "spark", catalog, rowCap: 20 });
      expect(verdict.findings).toEqual([]);
      expect(verdict.executedSql).toBe(sql);
    }
  });
});
