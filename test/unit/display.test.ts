import { Field, Schema, Table, tableFromArrays, vectorFromArray, Utf8, Int64, DateDay, RecordBatch, Struct, makeData } from "apache-arrow";
import { describe, expect, it } from "vitest";
import { textTable, formatCell, jsonCell } from "../../core/format.js";
import { TABLE_MIME, type TableOutput } from "../../core/output.js";
import { VERDICT_MIME, type Verdict } from "../../core/verdict.js";
import { bundlesFor, chartBundle, PLOTLY_MIME, tableBundle } from "../../kernel/display.js";
import { DEFAULT_CONFIG } from "../../session/config.js";

function sample(rows: number): Table {
  const fields = [
    new Field("cpc", new Utf8(), true, new Map([["streamlink.sql_type", "VARCHAR"]])),
    new Field("n", new Int64(), true, new Map([["streamlink.sql_type", "BIGINT"]])),
  ];
  const cpc = vectorFromArray(Array.from({ length: rows }, (_v, i) => (i === 1 ? null : `G06T${i}<b>`)), new Utf8());
  const n = vectorFromArray(Array.from({ length: rows }, (_v, i) => BigInt(100 - i)), new Int64());
  const data = makeData({ type: new Struct(fields), length: rows, nullCount: 0, children: [cpc.data[0], n.data[0]] as never });
  return new Table([new RecordBatch(new Schema(fields), data)]);
}

const verdict: Verdict = {
  verdict: "block", category: "policy", checker: "streamlink-checker/test", sql: "DROP TABLE t", executedSql: "DROP TABLE t",
  dialect: "duckdb", elapsedMs: 0.1,
  findings: [{ rule: "security.ddl", severity: "error", message: "DROP changes the database", line: 1, column: 1, hint: "Only SELECT may run." }],
};

describe("result display", () => {
  it("shows names with SQL types, escapes HTML, writes NULL, and caps rows shown", () => {
    const bundle = tableBundle(sample(30), { ...DEFAULT_CONFIG, display_rows: 5 }, ["12.0 ms on duckdb"]);
    const table = bundle.data[TABLE_MIME] as TableOutput;
    expect(table.columns).toEqual([{ name: "cpc", type: "VARCHAR" }, { name: "n", type: "BIGINT" }]);
    expect(table.rows).toHaveLength(5);
    expect(table.rows[1]).toEqual(["NULL", "99"]);
    expect(table.footer).toBe("30 rows × 2 columns · 12.0 ms on duckdb · showing the first 5 (%config display_rows=N shows more)");
    // For exports and other front ends: a text table in <pre>, which a sanitizing export keeps.
    const html = String(bundle.data["text/html"]);
    expect(html).toMatch(/^<pre class="streamlink-table"><code>cpc \(VARCHAR\)/);
    expect(html).toContain("G06T0&lt;b&gt;");
    expect(html).not.toContain("G06T0<b>");
    expect(html).not.toContain("<table");
    const plain = String(bundle.data["text/plain"]);
    expect(plain).toMatch(/cpc \(VARCHAR\)/);
    expect(plain).toMatch(/NULL/);
    expect(plain).toMatch(/30 rows × 2 columns · 12.0 ms on duckdb · showing the first 5/);
  });

  it("sends at most 1,000 characters of a value to the browser, saying how long it is", () => {
    const huge = new Field("s", new Utf8(), true, new Map([["streamlink.sql_type", "VARCHAR"]]));
    const value = vectorFromArray(["x".repeat(2_000_000)], new Utf8());
    const table = new Table([new RecordBatch(new Schema([huge]), makeData({ type: new Struct([huge]), length: 1, nullCount: 0, children: [value.data[0]] as never }))]);
    const bundle = tableBundle(table, DEFAULT_CONFIG);
    expect(String(bundle.data["text/html"]).length).toBeLessThan(2000);
    expect((bundle.data[TABLE_MIME] as TableOutput).rows).toEqual([[`${"x".repeat(999)}… (2,000,000 characters)`]]);
  });

  it("says when a result was cut at max_rows and where it was saved", () => {
    const [bundle] = bundlesFor({ kind: "result", table: sample(3), truncated: true, maxRows: 3, elapsedMs: 2500, engine: "duckdb", variable: "top" }, DEFAULT_CONFIG);
    expect(String(bundle?.data["text/plain"])).toMatch(/2.50 s on duckdb · stopped at 3 rows: the query has more.* · saved as top/);
  });

  it("adds a plotly figure for --plot", () => {
    const bundles = bundlesFor({ kind: "result", table: sample(3), truncated: false, maxRows: 10, elapsedMs: 1, engine: "duckdb", chart: { kind: "bar", x: "cpc", y: "n" } }, DEFAULT_CONFIG);
    expect(bundles).toHaveLength(2);
    const figure = bundles[1]?.data[PLOTLY_MIME] as { data: { type: string; x: unknown[]; y: unknown[] }[] };
    expect(figure.data[0]?.type).toBe("bar");
    expect(figure.data[0]?.y).toEqual([100, 99, 98]);
    expect(() => chartBundle(sample(2), { kind: "bar", x: "nope", y: "n" })).toThrow(/--plot names column 'nope'/);
  });

  it("carries a static SVG of the chart for HTML exports", () => {
    const bar = String(chartBundle(sample(4), { kind: "bar", x: "cpc", y: "n" }).data["image/svg+xml"]);
    expect(bar).toMatch(/^<svg /);
    expect((bar.match(/<rect /g) ?? []).length).toBe(4);
    expect(bar).toContain("G06T0&lt;b&gt;: 100");
    const line = String(chartBundle(sample(3), { kind: "line", x: "cpc", y: "n" }).data["image/svg+xml"]);
    expect(line).toContain("<polyline");
    const hist = String(chartBundle(sample(9), { kind: "hist", x: "n" }).data["image/svg+xml"]);
    expect((hist.match(/<rect /g) ?? []).length).toBe(3);
  });

  it("shows a histogram with the size of its result, not the first raw values, above it", () => {
    const bundles = bundlesFor({ kind: "result", table: sample(30), truncated: false, maxRows: 100, elapsedMs: 3, engine: "duckdb", variable: "h", chart: { kind: "hist", x: "n" } }, DEFAULT_CONFIG);
    expect(bundles).toHaveLength(2);
    expect(String(bundles[0]?.data["text/plain"])).toBe("30 rows × 2 columns · 3.0 ms on duckdb · saved as h");
    expect(String(bundles[0]?.data["text/html"])).not.toContain("<td>");
    expect(bundles[1]?.data[PLOTLY_MIME]).toBeDefined();
  });

  it("keeps long bar labels: plotly makes room for them, the SVG ends them in … with the whole label on hover", () => {
    const long = "International Business Machines Corporation";
    const table = tableFromArrays({ assignee: [long], n: Int32Array.from([7]) });
    const bundle = chartBundle(table, { kind: "bar", x: "assignee", y: "n" });
    const figure = bundle.data[PLOTLY_MIME] as { layout: { xaxis: { automargin: boolean } } };
    expect(figure.layout.xaxis.automargin).toBe(true);
    const svg = String(bundle.data["image/svg+xml"]);
    expect(svg).toContain(`<title>${long}</title>International Bus…</text>`);
  });

  it("publishes the verdict bundle with readable text", () => {
    const bundle = { verdict, magic: "sql" as const, cellSource: "%%sql\nDROP TABLE t", ranAt: "2026-01-01T00:00:00Z" };
    const [out] = bundlesFor({ kind: "verdict", bundle }, DEFAULT_CONFIG);
    expect(out?.data[VERDICT_MIME]).toEqual(bundle);
    expect(String(out?.data["text/plain"])).toMatch(/✖ refused \(policy\)[\s\S]*security.ddl \[line 1:1\]: DROP changes the database — Only SELECT may run\./);
  });
});

describe("cell formatting", () => {
  it("formats dates, bigints, floats and nulls", () => {
    expect(formatCell(Date.UTC(2018, 5, 19), new DateDay())).toBe("2018-06-19");
    expect(formatCell(12345678901234567890n, new Int64())).toBe("12345678901234567890");
    expect(formatCell(1 / 3, undefined)).toBe("0.333333");
    expect(formatCell(null, undefined)).toBe("NULL");
    expect(jsonCell(7n, new Int64())).toBe(7);
    expect(jsonCell(2n ** 60n, new Int64())).toBe("1152921504606846976");
    expect(jsonCell(Date.UTC(2018, 5, 19), new DateDay())).toBe("2018-06-19");
  });

  it("aligns a text table", () => {
    expect(textTable(["a", "long"], [["1", "x"], ["22", "yy"]])).toBe("a  | long\n---+-----\n1  | x\n22 | yy");
  });
});
