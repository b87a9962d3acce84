import { describe, expect, it } from "vitest";
import { emptyResultNote } from "../../explain/index.js";

/** The probes an empty-result note runs, as the engine receives them (built as trees, printed by the grammar). */
async function probesFor(sql: string, dialect: "duckdb" | "spark", found: boolean): Promise<{ probes: string[]; reasons: readonly string[] }> {
  const probes: string[] = [];
  const { reasons } = await emptyResultNote(sql, dialect, async (probe) => {
    probes.push(probe);
    return found;
  });
  return { probes, reasons };
}

describe("the empty-result note's probes", () => {
  it("keep the query's own literal, a quote in it escaped once", async () => {
    const { probes, reasons } = await probesFor("SELECT title FROM patents WHERE assignee = 'O''Brien Labs'", "duckdb", false);
    expect(probes).toEqual([`SELECT 1 FROM "patents" WHERE "assignee" = 'O''Brien Labs' LIMIT 1`]);
    expect(reasons[0]).toMatch(/^No row of patents matches/);
  });

  it("quote names for the dialect and read a date compared as the query wrote it (Spark)", async () => {
    const { probes } = await probesFor("SELECT `grant date` FROM patents WHERE kind = 'B2' AND `grant date` >= DATE '2020-01-01'", "spark", true);
    expect(probes).toEqual([
      "SELECT 1 FROM `patents` WHERE `kind` = 'B2' LIMIT 1",
      "SELECT 1 FROM `patents` WHERE `grant date` >= DATE '2020-01-01' LIMIT 1",
      "SELECT 1 FROM `patents` WHERE `grant date` >= DATE '2020-01-01' AND `kind` IS NOT NULL LIMIT 1",
      "SELECT 1 FROM `patents` WHERE `grant date` >= DATE '2020-01-01' HAVING COUNT(`kind`) * 10 < COUNT(*) LIMIT 1",
      "SELECT 1 FROM `patents` WHERE `kind` = 'B2' AND `grant date` IS NOT NULL LIMIT 1",
      "SELECT 1 FROM `patents` WHERE `kind` = 'B2' HAVING COUNT(`grant date`) * 10 < COUNT(*) LIMIT 1",
    ]);
  });

  it("join two tables under aliases of their own", async () => {
    const { probes } = await probesFor("SELECT c.cpc FROM patents p JOIN patent_cpc c ON c.publication_number = p.publication_number WHERE p.country = 'JP'", "duckdb", true);
    expect(probes).toContain(`SELECT 1 FROM "patent_cpc" AS "l" INNER JOIN "patents" AS "r" ON "l"."publication_number" = "r"."publication_number" WHERE "r"."country" = 'JP' LIMIT 1`);
  });
});
