import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ExampleStore } from "../../models/examples.js";
import { extractSql, literalValue, sqlOnOneLine } from "../../models/statement.js";

describe("extractSql", () => {
  it("takes fenced code and cuts at the first semicolon", () => {
    expect(extractSql("Here you go:\n```sql\nSELECT 1;\n```\nDone")).toBe("SELECT 1");
    expect(extractSql("SELECT 2; DROP TABLE x;")).toBe("SELECT 2");
    expect(extractSql("  SELECT 3  ")).toBe("SELECT 3");
    expect(extractSql("```SQL\nSELECT 4\n```")).toBe("SELECT 4");
    expect(extractSql("```\nSELECT 5")).toBe("SELECT 5");
  });

  it("keeps a semicolon inside a string literal, a quoted name or a comment", () => {
    expect(extractSql("```sql\nSELECT count(*) FROM patents WHERE title LIKE '%a;b%';\n```")).toBe("SELECT count(*) FROM patents WHERE title LIKE '%a;b%'");
    expect(extractSql("SELECT 'it''s; fine' AS x; DROP TABLE y;")).toBe("SELECT 'it''s; fine' AS x");
    expect(extractSql('SELECT "a;b" FROM t -- done; really\n; SELECT 2')).toBe('SELECT "a;b" FROM t -- done; really');
  });
});

describe("sqlOnOneLine", () => {
  it("joins the lines without touching literals and drops comments that would swallow the rest", () => {
    expect(sqlOnOneLine("SELECT  name\nFROM t -- owners\nWHERE note = 'two  spaces'")).toBe("SELECT name FROM t WHERE note = 'two  spaces'");
  });
});

describe("literalValue", () => {
  it("reads the value of one rendered literal, and nothing else", () => {
    expect(literalValue("'US-1234-B2'")).toBe("US-1234-B2");
    expect(literalValue("'O''Brien'")).toBe("O'Brien");
    expect(literalValue("42")).toBe("42");
    expect(literalValue("'a' || 'b'")).toBeUndefined();
  });
});

describe("a saved example (%remember)", () => {
  it("drops only the final semicolon, not one inside a literal", () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), "sl-statement-")), "examples.json");
    const saved = new ExampleStore(file).add("Titles with a semicolon?", "SELECT title FROM patents WHERE title LIKE '%;%' ;  ");
    expect(saved.sql).toBe("SELECT title FROM patents WHERE title LIKE '%;%'");
    expect(JSON.parse(readFileSync(file, "utf8")).examples[0].sql).toBe("SELECT title FROM patents WHERE title LIKE '%;%'");
  });
});
