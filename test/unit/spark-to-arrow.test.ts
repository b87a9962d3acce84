import { Bool, Utf8, vectorFromArray } from "apache-arrow";
import { describe, expect, it } from "vitest";
import { cleanSparkMessage, parseThriftUrl, progressOf } from "../../engines/spark/engine.js";
import { ArrowBatches, sqlTypeName } from "../../engines/spark/to-arrow.js";
import { TYPE_ID, type ThriftColumnDesc } from "../../engines/spark/thrift-client.js";
import { UsageError } from "../../core/errors.js";

/** HiveServer2 null bitmap: bit i (least significant first) set = row i is NULL. */
const nulls = (...rows: number[]): Buffer => {
  const b = Buffer.alloc(2);
  for (const r of rows) b[r >> 3] = (b[r >> 3] ?? 0) | (1 << (r & 7));
  return b;
};

describe("HiveServer2 row sets to Arrow", () => {
  const columns: ThriftColumnDesc[] = [
    { name: "n", typeId: TYPE_ID.BIGINT },
    { name: "d", typeId: TYPE_ID.DATE },
    { name: "x", typeId: TYPE_ID.DECIMAL, precision: 10, scale: 2 },
    { name: "ts", typeId: TYPE_ID.TIMESTAMP },
    { name: "s", typeId: TYPE_ID.STRING },
    { name: "i", typeId: TYPE_ID.INT },
    { name: "b", typeId: TYPE_ID.BOOLEAN },
  ];

  it("keeps types, NULLs, dates before 1970 and 64-bit integers", () => {
    const batches = new ArrowBatches(columns);
    batches.append({
      rowCount: 3,
      columns: [
        { kind: "bigint", values: new BigInt64Array([9_007_199_254_740_993n, 0n, -5n]), nulls: nulls(1) },
        { kind: "string", values: ["1948-03-23", "", "2020-02-29"], nulls: nulls(1) },
        { kind: "string", values: ["1.50", "-0.25", ""], nulls: nulls(2) },
        { kind: "string", values: ["2020-01-02 03:04:05.123456", "1969-12-31 23:59:59", ""], nulls: nulls(2) },
        { kind: "string", values: ["a", "", "c"], nulls: nulls(1) },
        { kind: "number", values: [1, 2, 3], nulls: Buffer.alloc(0) },
        { kind: "bool", values: [true, false, false], nulls: nulls(2) },
      ],
    }, 3);
    const table = batches.toTable();
    expect(table.schema.fields.map((f) => `${String(f.type)} ${f.metadata.get("streamlink.sql_type")}`)).toEqual([
      "Int64 BIGINT", "Date32<DAY> DATE", "Float64 DECIMAL(10,2)", "Timestamp<MILLISECOND> TIMESTAMP", "Utf8 STRING", "Int32 INT", "Bool BOOLEAN",
    ]);
    const rows = table.toArray().map((r) => r.toJSON());
    expect(rows[0]).toEqual({ n: 9_007_199_254_740_993n, d: Date.UTC(1948, 2, 23), x: 1.5, ts: Date.UTC(2020, 0, 2, 3, 4, 5, 123), s: "a", i: 1, b: true });
    expect(rows[1]).toEqual({ n: null, d: null, x: -0.25, ts: -1000, s: null, i: 2, b: false });
    expect(rows[2]).toMatchObject({ n: -5n, d: Date.UTC(2020, 1, 29), x: null, ts: null, b: null });
  });

  it("writes text and booleans as Arrow's own builders do: unicode, empty strings, NULLs, bytes as hex", () => {
    const texts = ["Ünïcødé ✓", "", "東京 🚀", "plain", "a\u0000b", "x".repeat(300), "", "last"];
    const rows = 19;
    const isNull = (i: number): boolean => i % 5 === 2;
    const nullBits = Buffer.alloc(3);
    for (let i = 0; i < rows; i++) if (isNull(i)) nullBits[i >> 3] = (nullBits[i >> 3] ?? 0) | (1 << (i & 7));
    const text = Array.from({ length: rows }, (_r, i) => texts[i % texts.length] as string);
    const flags = Array.from({ length: rows }, (_r, i) => i % 3 === 0);
    const bytes = Array.from({ length: rows }, (_r, i) => Buffer.from([i, 255 - i]));
    const batches = new ArrowBatches([{ name: "s", typeId: TYPE_ID.STRING }, { name: "b", typeId: TYPE_ID.BOOLEAN }, { name: "bin", typeId: TYPE_ID.BINARY }]);
    batches.append({
      rowCount: rows,
      columns: [
        { kind: "string", values: text, nulls: nullBits },
        { kind: "bool", values: flags, nulls: nullBits },
        { kind: "binary", values: bytes, nulls: nullBits },
      ],
    }, rows - 1);
    const table = batches.toTable();
    const take = rows - 1;
    const expected = {
      s: vectorFromArray(text.slice(0, take).map((t, i) => (isNull(i) ? null : t)), new Utf8()),
      b: vectorFromArray(flags.slice(0, take).map((f, i) => (isNull(i) ? null : f)), new Bool()),
      bin: vectorFromArray(bytes.slice(0, take).map((b, i) => (isNull(i) ? null : b.toString("hex"))), new Utf8()),
    };
    for (const [name, vector] of Object.entries(expected)) {
      const got = table.getChild(name);
      expect([...(got ?? [])], name).toEqual([...vector]);
      expect(got?.nullCount, name).toBe(vector.nullCount);
    }
  });

  it("takes only the rows asked for, and an empty result keeps its schema", () => {
    const batches = new ArrowBatches([{ name: "i", typeId: TYPE_ID.INT }]);
    batches.append({ rowCount: 3, columns: [{ kind: "number", values: [1, 2, 3], nulls: Buffer.alloc(0) }] }, 2);
    expect(batches.toTable().getChild("i")?.toArray()).toEqual(new Int32Array([1, 2]));
    const empty = new ArrowBatches(columns).toTable();
    expect(empty.numRows).toBe(0);
    expect(empty.schema.fields).toHaveLength(columns.length);
  });

  it("names Spark types as Spark does", () => {
    expect(sqlTypeName({ name: "v", typeId: TYPE_ID.VARCHAR, length: 12 })).toBe("VARCHAR(12)");
    expect(sqlTypeName({ name: "a", typeId: TYPE_ID.ARRAY })).toBe("ARRAY");
  });
});

describe("Spark engine messages", () => {
  it("parses thrift URLs and rejects others with an example", () => {
    expect(parseThriftUrl("thrift://127.0.0.1:10000")).toEqual({ host: "127.0.0.1", port: 10000 });
    expect(() => parseThriftUrl("http://127.0.0.1:10000")).toThrow(UsageError);
    expect(() => parseThriftUrl("thrift://h:99999")).toThrow(/Not a Spark Thrift URL/);
  });

  it("keeps Spark's message and drops the Java chain, plan and stack", () => {
    const raw = "org.apache.hive.service.cli.HiveSQLException: Error running query: [TABLE_OR_VIEW_NOT_FOUND] org.apache.spark.sql.AnalysisException: "
      + "[TABLE_OR_VIEW_NOT_FOUND] The table or view `nope` cannot be found. SQLSTATE: 42P01; line 1 pos 14;\n'Project [*]\n+- 'UnresolvedRelation [nope]\n\n\tat org.apache.spark.X(X.scala:1)";
    expect(cleanSparkMessage(raw)).toBe("[TABLE_OR_VIEW_NOT_FOUND] The table or view `nope` cannot be found. SQLSTATE: 42P01; line 1 pos 14");
  });

  it("summarises job progress and says when tasks fail or no executor is left", () => {
    const job = { jobId: 1, description: "", jobGroup: "", status: "RUNNING" as const, numTasks: 24, numCompletedTasks: 5, numActiveTasks: 2, numFailedTasks: 1, numKilledTasks: 0, numActiveStages: 1, numCompletedStages: 0, stageIds: [1] };
    expect(progressOf([job], 0)).toEqual({
      message: "Spark: 5/24 tasks, 1 job(s) running, 1 task(s) failed and are retried (a worker may have been lost), no executor is alive: is any worker running? (`npx streamlink spark status`)",
      completedTasks: 5,
      totalTasks: 24,
    });
    expect(progressOf([], 2)).toBeUndefined();
  });
});
