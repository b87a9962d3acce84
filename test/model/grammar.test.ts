import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Catalog } from "../../core/catalog.js";
import { buildSqlGrammar } from "../../models/grammar.js";
import { createGrammarTester, type GrammarTester } from "../../models/llama.js";
import { SHARED_DATA } from "../support/paths.js";

const col = (name: string, type = "VARCHAR") => ({ name, type, nullable: true });
const PATENTS: Catalog = {
  tables: [
    { name: "patents", columns: ["publication_number", "patent_id", "country", "kind", "title", "abstract", "assignee", "cpc"].map((n) => col(n)).concat([col("filing_date", "DATE"), col("grant_date", "DATE"), col("publication_date", "DATE"), col("num_claims", "INTEGER")]) },
    { name: "patent_cpc", columns: ["publication_number", "cpc", "section", "class", "subclass", "type"].map((n) => col(n)).concat([col("sequence", "INTEGER")]) },
    { name: "patent_inventors", columns: [col("publication_number"), col("sequence", "INTEGER"), col("name")] },
  ],
};

const gold = readFileSync(path.join(SHARED_DATA, "patents", "questions-dev.jsonl"), "utf8")
  .split("\n").filter((l) => l.trim() !== "").map((l) => JSON.parse(l) as { id: string; sql: string });

let tester: GrammarTester;
const grammar = buildSqlGrammar(PATENTS);
beforeAll(async () => { tester = await createGrammarTester(); });
afterAll(async () => { await tester.close(); });

describe("catalog grammar (llama.cpp's own grammar engine)", () => {
  it("parses, and rejects a grammar that does not", () => {
    expect(tester.accepts(grammar, "SELECT 1;")).toBe(true);
    expect(() => tester.accepts('root ::= "a" undefined_rule', "a")).toThrow();
  });

  it.each(gold)("accepts the gold SQL of $id", ({ sql }) => {
    expect(tester.accepts(grammar, `${sql};`)).toBe(true);
  });

  it.each([
    ["stacked statements", "SELECT 1; DROP TABLE patents;"],
    ["a write", "DROP TABLE patents;"],
    ["an unknown table after FROM", "SELECT * FROM secrets;"],
    ["a file reader after FROM", "SELECT * FROM read_csv('/etc/passwd');"],
    ["an unknown qualified column", "SELECT p.password FROM patents p;"],
    ["a line comment", "SELECT 1 -- hidden\n;"],
    ["a block comment", "SELECT 1 /* hidden */;"],
    ["a double-quoted identifier", 'SELECT "x" FROM patents;'],
    ["an unterminated string", "SELECT 'abc FROM patents;"],
  ])("rejects %s", (_what, sql) => {
    expect(tester.accepts(grammar, sql)).toBe(false);
  });

  it("keeps words apart, so no name can be glued from pieces", () => {
    expect(tester.accepts(grammar, "SELECT count(*) FROM patents WHERE title ILIKE '%x%';")).toBe(true);
    expect(tester.accepts(grammar, "SELECT count(*) FROM patentsx;")).toBe(false);
  });
});
