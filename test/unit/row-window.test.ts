/**
 * The viewer's page and count queries are edits of the result's parse tree, printed by the grammar that read it:
 * the query keeps its WITH and set operation inside the subquery, loses its trailing semicolon and comment, and each
 * engine gets its own quoting.
 */
import { describe, expect, it } from "vitest";
import { countQuery, windowQuery } from "../../checks/sql-edit.js";

const SOURCE = "WITH t AS (SELECT 1 AS a) SELECT a FROM t UNION SELECT 2; -- note\n";

describe("row windows built on the parse tree", () => {
  it.each([
    ["duckdb", `SELECT * FROM (WITH "t" AS (SELECT 1 AS "a") SELECT a FROM "t" UNION SELECT 2) AS "streamlink_page" ORDER BY 1 DESC NULLS LAST LIMIT 20 OFFSET 40`],
    ["spark", "SELECT * FROM (WITH `t` AS (SELECT 1 AS `a`) SELECT `a` FROM `t` UNION SELECT 2) AS `streamlink_page` ORDER BY 1 DESC NULLS LAST LIMIT 20 OFFSET 40"],
  ] as const)("nests the query, orders by a position and pages it on %s", async (dialect, expected) => {
    await expect(windowQuery(SOURCE, { offset: 40, limit: 20, sort: { column: 0, descending: true } }, dialect)).resolves.toBe(expected);
  });

  it("leaves the order to the engine when no sort is asked, and counts the rows of the same subquery", async () => {
    await expect(windowQuery("SELECT a FROM x", { offset: 0, limit: 5 }, "duckdb")).resolves.toBe(`SELECT * FROM (SELECT a FROM "x") AS "streamlink_page" LIMIT 5 OFFSET 0`);
    await expect(countQuery("SELECT a FROM x LIMIT 10", "spark")).resolves.toBe("SELECT COUNT(*) AS `n` FROM (SELECT `a` FROM `x` LIMIT 10) AS `streamlink_page`");
  });

  it("builds nothing from text no grammar of the dialect reads", async () => {
    await expect(windowQuery("SELECT FROM WHERE", { offset: 0, limit: 5 }, "duckdb")).resolves.toBeUndefined();
    await expect(countQuery("SELECT 1; SELECT 2", "duckdb")).resolves.toBeUndefined();
  });
});
