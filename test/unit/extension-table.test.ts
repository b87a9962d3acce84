import { describe, expect, it } from "vitest";
import { readPage, readTable } from "../../extension/src/table-model.js";

const ID = "0f8fad5b-d9cb-469f-a165-70867728950e";
const table = (page: unknown): unknown => ({ columns: [{ name: "n", type: "BIGINT" }], rows: [["1"]], footer: "1 row × 1 column", page });

describe("the result viewer reads a saved output defensively", () => {
  it("keeps a page id the kernel gave, with the SQL and the total", () => {
    expect(readTable(table({ id: ID, sql: "SELECT 1 AS n", total: 1 }))?.page).toEqual({ id: ID, sql: "SELECT 1 AS n", total: 1 });
  });

  it("drops an id that is not one of the kernel's, so no other code reaches the %page line it sends", () => {
    const planted = readTable(table({ id: `${ID}\nrequire("child_process").execSync("id")`, sql: "SELECT 1" }));
    expect(planted?.rows).toEqual([["1"]]);
    expect(planted?.page).toBeUndefined();
  });

  it("reads a page answer and refuses one with rows that are not text", () => {
    expect(readPage({ id: ID, offset: 20, total: 50, rows: [["a", "b"]] })).toEqual({ id: ID, offset: 20, total: 50, rows: [["a", "b"]] });
    expect(readPage({ id: ID, offset: 20, total: 50, rows: [[1]] })).toBeUndefined();
  });
});
