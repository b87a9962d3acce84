import { describe, expect, it } from "vitest";
import { compareResults, isOrdered, valueKey, type ResultRows } from "../../evals/compare.js";

const rows = (columns: string[], data: unknown[][]): ResultRows => ({ columns, rows: data });

describe("valueKey", () => {
  it("reads one number in any representation", () => {
    expect(new Set([valueKey(3), valueKey(3n), valueKey(3.0), valueKey("3")]).size).toBe(1);
    expect(valueKey(true)).toBe(valueKey(1));
  });
  it("lets floats differ only past ten significant digits", () => {
    expect(valueKey(28.86231884057971)).toBe(valueKey(28.862318840579707));
    expect(valueKey(28.8623)).not.toBe(valueKey(28.8624));
  });
  it("keeps text that is not a number, and null, apart", () => {
    expect(valueKey("02647")).not.toBe(valueKey("France"));
    expect(valueKey(null)).not.toBe(valueKey("null"));
    expect(valueKey("")).not.toBe(valueKey(0));
  });
  it("reads a timestamp like SQLite's text date", () => {
    expect(valueKey(new Date(Date.UTC(2018, 2, 19, 4, 39, 54)))).toBe(valueKey("2018-03-19 04:39:54"));
  });
});

describe("compareResults", () => {
  const gold = rows(["name", "age"], [["Joe", 52], ["Ann", 41], ["Tim", 41]]);

  it("matches the same rows in another order when the gold query is not ordered", () => {
    expect(compareResults(gold, rows(["n", "a"], [["Tim", 41n], ["Joe", 52n], ["Ann", 41n]]), false)).toEqual({ match: true });
  });
  it("requires the gold order when the gold query orders", () => {
    const shuffled = rows(["n", "a"], [["Tim", 41], ["Joe", 52], ["Ann", 41]]);
    expect(compareResults(gold, shuffled, true).match).toBe(false);
    expect(compareResults(gold, rows(["n", "a"], [["Joe", 52], ["Ann", 41], ["Tim", 41]]), true).match).toBe(true);
  });
  it("accepts the columns in another order", () => {
    expect(compareResults(gold, rows(["a", "n"], [[52, "Joe"], [41, "Ann"], [41, "Tim"]]), true).match).toBe(true);
  });
  it("does not pair columns that only agree column by column", () => {
    const crossed = rows(["n", "a"], [["Joe", 41], ["Ann", 52], ["Tim", 41]]);
    expect(compareResults(gold, crossed, false)).toEqual({ match: false, reason: "different values" });
  });
  it("counts rows as a multiset, duplicates included", () => {
    const single = rows(["n"], [["a"], ["a"], ["b"]]);
    expect(compareResults(single, rows(["n"], [["a"], ["b"], ["b"]]), false).match).toBe(false);
  });
  it("says why the shapes differ", () => {
    expect(compareResults(gold, rows(["n"], [["Joe"], ["Ann"], ["Tim"]]), false).reason).toBe("1 columns where the gold result has 2");
    expect(compareResults(gold, rows(["n", "a"], [["Joe", 52]]), false).reason).toBe("1 rows where the gold result has 3");
  });
  it("matches two empty results", () => {
    expect(compareResults(rows(["x"], []), rows(["y"], []), false).match).toBe(true);
  });
});

describe("isOrdered", () => {
  it("sees a top-level ORDER BY", () => {
    expect(isOrdered("SELECT name FROM singer ORDER BY age DESC")).toBe(true);
    expect(isOrdered("select name from singer order  by age")).toBe(true);
  });
  it("ignores ORDER BY inside a subquery or a string", () => {
    expect(isOrdered("SELECT name FROM t WHERE id = (SELECT id FROM t ORDER BY x LIMIT 1)")).toBe(false);
    expect(isOrdered("SELECT name FROM t WHERE note = 'order by'")).toBe(false);
    expect(isOrdered("SELECT reorder_by FROM t")).toBe(false);
  });
});
