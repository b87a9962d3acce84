import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UsageError } from "../../core/errors.js";
import type { CaseResult } from "../../evals/harness.js";
import { loadQuestionFile } from "../../evals/questions.js";
import { formatSummary, quantile, summarise } from "../../evals/report.js";
import { groupBySource, seededSample, splitHeldOut } from "../../evals/sample.js";
import { columnType } from "../../evals/spider/convert.js";

describe("seededSample", () => {
  const items = Array.from({ length: 1000 }, (_v, i) => i);
  it("draws the same sample for the same seed, shuffled", () => {
    const a = seededSample(items, 300, 7);
    expect(a).toEqual(seededSample(items, 300, 7));
    expect(new Set(a).size).toBe(300);
    expect([...a].sort((x, y) => x - y)).not.toEqual(a);
    expect(seededSample(items, 1000, 7)).toEqual(items);
  });
  it("draws another sample for another seed", () => {
    expect(seededSample(items, 300, 8)).not.toEqual(seededSample(items, 300, 7));
  });
  it("keeps everything without a count or with a count past the end", () => {
    expect(seededSample(items, undefined, 1)).toEqual(items);
    expect(seededSample(items, 5000, 1)).toEqual(items);
  });
});

describe("groupBySource", () => {
  it("puts the questions of one database together, keeping the sample and its order within a database", () => {
    const items = ["a1", "b1", "a2", "c1", "b2", "a3"].map((id) => ({ id, source: id[0] ?? "" }));
    expect(groupBySource(items).map((i) => i.id)).toEqual(["a1", "a2", "a3", "b1", "b2", "c1"]);
  });
});

describe("quantile and summarise", () => {
  it("takes observed values by nearest rank", () => {
    expect(quantile([5, 1, 3, 2, 4], 0.5)).toBe(3);
    expect(quantile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9)).toBe(9);
    expect(quantile([], 0.5)).toBeNull();
  });
  it("leaves gold errors out of the accuracy's denominator", () => {
    const base = { source: "db", question: "q", goldSql: "SELECT 1" };
    const results: CaseResult[] = [
      { ...base, id: "1", status: "match", seconds: 1, goldEngine: "duckdb" },
      { ...base, id: "2", status: "mismatch", seconds: 3, goldEngine: "duckdb" },
      { ...base, id: "3", status: "blocked", seconds: 2, goldEngine: "sqlite" },
      { ...base, id: "4", status: "gold-error" },
    ];
    const summary = summarise(results, { model: "m" });
    expect(summary).toMatchObject({ questions: 4, evaluated: 3, correct: 1, medianSeconds: 2, p90Seconds: 3, goldEngines: { duckdb: 2, sqlite: 1 } });
    expect(summary.executionAccuracy).toBeCloseTo(1 / 3);
    expect(formatSummary(summary)).toMatch(/execution accuracy\s+33\.3% \(1\/3\)/);
  });
});

describe("columnType (SQLite values to a DuckDB column type)", () => {
  it("follows the values, not only the declared type", () => {
    expect(columnType("INTEGER", [1, 2, null])).toBe("BIGINT");
    expect(columnType("TEXT", ["1980", "1975"])).toBe("BIGINT");
    expect(columnType("TEXT", ["18", "null", "21.5"])).toBe("DOUBLE");
    expect(columnType("REAL", [1, 2])).toBe("DOUBLE");
    expect(columnType("INT", [1, "TBC"])).toBe("VARCHAR");
  });
  it("keeps codes whose digits would change as text", () => {
    expect(columnType("VARCHAR(20)", ["02647", "12345"])).toBe("VARCHAR");
    expect(columnType("TEXT", ["4.0", "3.5"])).toBe("VARCHAR");
  });
  it("uses the declared type when there are no values", () => {
    expect(columnType("INTEGER", [null])).toBe("BIGINT");
    expect(columnType("VARCHAR(255)", [])).toBe("VARCHAR");
    expect(columnType("float(3,1)", [])).toBe("DOUBLE");
  });
});

describe("loadQuestionFile", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "evals-questions-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("reads {id, question, sql} lines and skips blank ones", async () => {
    const file = path.join(dir, "ok.jsonl");
    await writeFile(file, '{"id":"a","question":"How many?","sql":"SELECT 1","category":"count"}\n\n{"id":2,"question":"Q","sql":"SELECT 2"}\n');
    expect(await loadQuestionFile(file, "db")).toEqual([
      { id: "a", source: "db", question: "How many?", goldSql: "SELECT 1" },
      { id: "2", source: "db", question: "Q", goldSql: "SELECT 2" },
    ]);
  });
  it("names the line that is broken", async () => {
    const file = path.join(dir, "bad.jsonl");
    await writeFile(file, '{"id":"a","question":"Q","sql":"SELECT 1"}\n{"id":"b","question":"Q"}\n');
    await expect(loadQuestionFile(file, "db")).rejects.toThrow(/bad\.jsonl:2 lacks id, question or sql/);
    await expect(loadQuestionFile(path.join(dir, "none.jsonl"), "db")).rejects.toBeInstanceOf(UsageError);
  });
});

describe("splitHeldOut", () => {
  const items = Array.from({ length: 100 }, (_, i) => ({ id: i, label: i < 30 ? "1" : "0" }));
  it("keeps back the same share of each label, disjoint from the development part, fixed by the seed", () => {
    const { dev, heldOut } = splitHeldOut(items, 0.3, 14, (x) => x.label);
    expect(heldOut.filter((x) => x.label === "1")).toHaveLength(9);
    expect(heldOut.filter((x) => x.label === "0")).toHaveLength(21);
    expect(dev).toHaveLength(70);
    expect(new Set([...dev, ...heldOut].map((x) => x.id)).size).toBe(100);
    expect(splitHeldOut(items, 0.3, 14, (x) => x.label).heldOut).toEqual(heldOut);
    expect(splitHeldOut(items, 0.3, 15, (x) => x.label).heldOut).not.toEqual(heldOut);
  });
});
