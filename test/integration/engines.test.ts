/**
 * One table of queries, run on every engine over the canonical patents folder: DuckDB embedded, and a real Spark
 * standalone cluster (master, two workers, Thrift server) that this file starts and stops. Each query's result
 * must be the same on both engines, Arrow column types included.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DataType, type Table } from "apache-arrow";
import type { Engine } from "../../core/engine.js";
import { duckdbConnector } from "../../engines/duckdb/engine.js";
import { sparkConnector } from "../../engines/spark/engine.js";
import { startCluster, stopCluster } from "../../engines/spark/cluster/cluster.js";
import { CANONICAL } from "../support/paths.js";

const THRIFT_PORT = 10_311;

interface Case {
  readonly name: string;
  readonly sql: string;
  readonly maxRows?: number;
  /** A property of the (shared) result that must hold, so that an empty or wrong result on both sides fails. */
  readonly check: (result: Comparable) => void;
}

interface Comparable {
  readonly columns: readonly { name: string; type: string }[];
  readonly rows: readonly (readonly unknown[])[];
  readonly truncated: boolean;
}

/** Values as plain data: bigints as strings, doubles to 10 significant digits (summation order differs). */
function plain(value: unknown, type: DataType): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === "bigint") return value.toString();
  if (DataType.isFloat(type)) return Number((value as number).toPrecision(10));
  if (DataType.isDate(type) || DataType.isTimestamp(type)) return new Date(Number(value)).toISOString();
  return value;
}

function comparable(table: Table, truncated: boolean): Comparable {
  const fields = table.schema.fields;
  const rows: unknown[][] = [];
  for (let r = 0; r < table.numRows; r++) rows.push(fields.map((f, c) => plain(table.getChildAt(c)?.get(r), f.type)));
  return { columns: fields.map((f) => ({ name: f.name, type: String(f.type) })), rows, truncated };
}

const column = (result: Comparable, name: string): unknown[] => {
  const index = result.columns.findIndex((c) => c.name === name);
  return result.rows.map((r) => r[index]);
};

// Written in the SQL both dialects share; casts pin types where the engines' defaults differ (e.g. year()).
const CASES: readonly Case[] = [
  {
    name: "count(*) is a BIGINT",
    sql: "SELECT count(*) AS n FROM patents",
    check: (r) => expect(r.rows).toEqual([["14684"]]),
  },
  {
    name: "group by with ordering and ties broken",
    sql: "SELECT country, count(*) AS n FROM patents GROUP BY country ORDER BY n DESC, country LIMIT 8",
    check: (r) => expect(r.rows[0]).toEqual(["US", "13514"]),
  },
  {
    name: "dates with NULLs",
    sql: `SELECT publication_number, filing_date, grant_date, publication_date FROM patents
          WHERE country IN ('US', 'CN') ORDER BY publication_number LIMIT 40`,
    check: (r) => {
      expect(r.columns.map((c) => c.type)).toEqual(["Utf8", "Date32<DAY>", "Date32<DAY>", "Date32<DAY>"]);
      expect(r.rows.length).toBe(40);
      expect(r.rows.some((row) => row[1] === null || row[2] === null)).toBe(true);
    },
  },
  {
    name: "integers, averages and sums",
    sql: `SELECT count(num_claims) AS with_claims, sum(num_claims) AS claims, avg(num_claims) AS mean,
                 min(num_claims) AS least, max(num_claims) AS most FROM patents`,
    check: (r) => {
      expect(r.columns.map((c) => c.type)).toEqual(["Int64", "Int64", "Float64", "Int32", "Int32"]);
      expect(Number(r.rows[0]?.[0])).toBeGreaterThan(1000);
    },
  },
  {
    name: "decimals keep their value",
    sql: `SELECT publication_number, CAST(num_claims AS DECIMAL(10,2)) / 4 AS quarter, CAST(1.25 AS DECIMAL(5,2)) AS fixed
          FROM patents WHERE num_claims IS NOT NULL ORDER BY publication_number LIMIT 10`,
    check: (r) => {
      expect(r.columns[1]?.type).toBe("Float64");
      expect(column(r, "fixed")).toEqual(Array(10).fill(1.25));
    },
  },
  {
    name: "string functions and LIKE",
    sql: `SELECT upper(substr(title, 1, 12)) AS head, CAST(length(title) AS INTEGER) AS len, title LIKE '%neural%' AS neural
          FROM patents WHERE assignee LIKE 'NVIDIA%' ORDER BY publication_number LIMIT 25`,
    check: (r) => {
      expect(r.columns.map((c) => c.type)).toEqual(["Utf8", "Int32", "Bool"]);
      expect(r.rows.length).toBe(25);
    },
  },
  {
    name: "year as INTEGER, grouped",
    sql: `SELECT CAST(year(publication_date) AS INTEGER) AS yr, count(*) AS n FROM patents
          WHERE country = 'US' GROUP BY 1 ORDER BY 1 DESC LIMIT 10`,
    check: (r) => {
      expect(r.columns.map((c) => c.type)).toEqual(["Int32", "Int64"]);
      expect(r.rows.length).toBe(10);
    },
  },
  {
    name: "a three-table join",
    sql: `SELECT c.section, count(DISTINCT p.publication_number) AS patents, count(DISTINCT i.name) AS inventors
          FROM patents p JOIN patent_cpc c ON c.publication_number = p.publication_number
          JOIN patent_inventors i ON i.publication_number = p.publication_number
          GROUP BY c.section ORDER BY patents DESC, c.section`,
    check: (r) => expect(column(r, "section")).toContain("G"),
  },
  {
    name: "NULL counting and IS NULL",
    sql: `SELECT country, count(*) - count(kind) AS unknown_kind, count(abstract) AS with_abstract,
                 sum(CASE WHEN grant_date IS NULL THEN 1 ELSE 0 END) AS ungranted
          FROM patents GROUP BY country ORDER BY country`,
    check: (r) => expect(r.rows.length).toBeGreaterThan(5),
  },
  {
    name: "window function, cast to INTEGER",
    sql: `SELECT publication_number, CAST(row_number() OVER (PARTITION BY country ORDER BY publication_date, publication_number) AS INTEGER) AS rn
          FROM patents WHERE country IN ('DE', 'RU') ORDER BY publication_number`,
    check: (r) => expect(column(r, "rn")).toContain(1),
  },
  {
    name: "booleans and HAVING",
    sql: `SELECT assignee, count(*) AS n, max(num_claims) > 20 AS long_claims FROM patents
          WHERE assignee IS NOT NULL GROUP BY assignee HAVING count(*) >= 50 ORDER BY n DESC, assignee`,
    check: (r) => expect(r.rows.length).toBeGreaterThan(0),
  },
  {
    name: "timestamps",
    sql: `SELECT publication_number, CAST(publication_date AS TIMESTAMP) AS ts FROM patents
          ORDER BY publication_number LIMIT 5`,
    check: (r) => expect(r.columns[1]?.type).toBe("Timestamp<MILLISECOND>"),
  },
  {
    name: "an empty result keeps its columns",
    sql: "SELECT publication_number, grant_date, num_claims FROM patents WHERE 1 = 0",
    check: (r) => {
      expect(r.rows).toEqual([]);
      expect(r.columns.map((c) => c.type)).toEqual(["Utf8", "Date32<DAY>", "Int32"]);
    },
  },
  {
    name: "rows past maxRows are cut and flagged",
    sql: "SELECT publication_number FROM patent_inventors ORDER BY publication_number, sequence",
    maxRows: 1_234,
    check: (r) => {
      expect(r.rows.length).toBe(1_234);
      expect(r.truncated).toBe(true);
    },
  },
];

describe("the same queries on DuckDB and Spark give the same results", () => {
  const engines = new Map<string, Engine>();

  beforeAll(async () => {
    await stopCluster();
    const cluster = await startCluster({ workers: 2, thriftPort: THRIFT_PORT, dataDir: CANONICAL });
    engines.set("duckdb", await duckdbConnector.connect({ kind: "duckdb", target: CANONICAL, name: "duckdb" }));
    engines.set("spark", await sparkConnector.connect({ kind: "spark", target: cluster.thriftUrl, name: "spark" }));
  });

  afterAll(async () => {
    for (const engine of engines.values()) await engine.close();
    await stopCluster();
  });

  it("both engines list the same tables and columns", async () => {
    const shape = async (engine: Engine) => (await engine.catalog()).tables.map((t) => `${t.name}(${t.columns.map((c) => c.name).join(",")})`);
    const duck = await shape(engines.get("duckdb") as Engine);
    expect(duck).toHaveLength(3);
    expect(await shape(engines.get("spark") as Engine)).toEqual(duck);
  });

  for (const testCase of CASES) {
    it(testCase.name, async () => {
      const results: Record<string, Comparable> = {};
      for (const [name, engine] of engines) {
        const { table, truncated } = await engine.execute(testCase.sql, { maxRows: testCase.maxRows ?? 10_000 });
        results[name] = comparable(table, truncated);
      }
      const duck = results["duckdb"] as Comparable;
      testCase.check(duck);
      expect(results["spark"]).toEqual(duck);
    });
  }
});
