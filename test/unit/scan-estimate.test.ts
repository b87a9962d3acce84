/**
 * What `confirm_rows` estimates from on an engine without plan estimates (Spark): the catalog tables the query's tree
 * reads, looked through CTEs and subqueries, summed from the catalog's row counts; anything else read means no estimate.
 */
import { describe, expect, it } from "vitest";
import { createChecker } from "../../checks/index.js";
import type { Catalog } from "../../core/catalog.js";
import { catalogScanRows } from "../../core/plan.js";

const catalog: Catalog = {
  tables: [
    { name: "patents", columns: [{ name: "country", type: "STRING", nullable: true }], rowCount: 1000 },
    { name: "cpc", columns: [{ name: "code", type: "STRING", nullable: true }], rowCount: 70 },
    { name: "inventors", columns: [{ name: "name", type: "STRING", nullable: true }] },
  ],
};
const checker = createChecker();
const read = async (sql: string): Promise<number | undefined> => catalogScanRows(await checker.tablesRead(sql, { dialect: "spark", catalog }));

describe("scan estimate from the catalog", () => {
  it("sums the row counts of the tables read through a CTE, a join and subqueries", async () => {
    await expect(read("WITH t AS (SELECT country FROM patents) SELECT * FROM t JOIN cpc ON t.country = cpc.code")).resolves.toBe(1070);
    await expect(read("SELECT * FROM (SELECT country FROM patents) p WHERE country IN (SELECT code FROM cpc)")).resolves.toBe(1070);
    await expect(read("SELECT a.country FROM patents a JOIN patents b ON a.country = b.country")).resolves.toBe(2000);
  });

  it("gives no estimate when a table has no count, the query reads a table function or a table the catalog lacks", async () => {
    await expect(read("SELECT name FROM inventors")).resolves.toBeUndefined();
    await expect(read("SELECT count(*) FROM range(0, 10)")).resolves.toBeUndefined();
    await expect(read("SELECT * FROM nope")).resolves.toBeUndefined();
    await expect(checker.tablesRead("SELECT country FROM patents", { dialect: "spark" })).resolves.toBeUndefined();
  });
});
