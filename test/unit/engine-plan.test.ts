import { describe, expect, it } from "vitest";
import { duckdbPlan } from "../../engines/duckdb/plan.js";

/** The shape DuckDB 1.5's `EXPLAIN (FORMAT JSON)` returns for a join under a GROUP BY (estimates as text). */
const JOIN = JSON.stringify([{
  name: "HASH_GROUP_BY",
  children: [{
    name: "HASH_JOIN",
    children: [
      { name: "READ_PARQUET", children: [], extra_info: { Function: "READ_PARQUET", Projections: ["publication_number", "cpc"], "Estimated Cardinality": "29580" } },
      { name: "READ_PARQUET", children: [], extra_info: { Function: "READ_PARQUET", Filters: "grant_date>='2015-01-01'::DATE", "Estimated Cardinality": "2936" } },
    ],
    extra_info: { "Join Type": "INNER", "Estimated Cardinality": "5914" },
  }],
  extra_info: { Groups: "#0", "Estimated Cardinality": "4868" },
}]);

describe("DuckDB's plan read into the engine-neutral plan", () => {
  it("keeps each operator's estimate and details, and sums what the scans read", () => {
    const plan = duckdbPlan("duckdb", JOIN);
    const [root] = plan.operators;
    expect(root).toMatchObject({ name: "HASH_GROUP_BY", estimatedRows: 4868, details: [{ key: "Groups", value: "#0" }] });
    const [left, right] = root?.children[0]?.children ?? [];
    expect(left?.details).toContainEqual({ key: "Projections", value: "publication_number, cpc" });
    expect(right?.details).toContainEqual({ key: "Filters", value: "grant_date>='2015-01-01'::DATE" });
    expect(plan.scanRows).toBe(29580 + 2936);
  });

  it("gives no scan estimate when a leaf has none, and an empty plan for text it cannot read", () => {
    const noEstimate = JSON.stringify([{ name: "UNGROUPED_AGGREGATE", children: [{ name: "DUMMY_SCAN", children: [], extra_info: {} }], extra_info: {} }]);
    expect(duckdbPlan("duckdb", noEstimate).scanRows).toBeUndefined();
    expect(duckdbPlan("duckdb", "not json")).toEqual({ engine: "duckdb", operators: [] });
  });
});
