import { describe, expect, it } from "vitest";
import { closest, createChecker, editDistance, injectionSignals } from "../../checks/index.js";
import { lex, positionOf } from "../../checks/lexer.js";
import { PAYLOAD_CATALOG } from "./fixtures/payloads.js";

const checker = createChecker();
const withCatalog = { dialect: "duckdb", catalog: PAYLOAD_CATALOG } as const;

describe("verdict shape", () => {
  it("names the checker, echoes the SQL and the dialect, and times itself", async () => {
    const verdict = await checker.check("SELECT title FROM patents LIMIT 3", withCatalog);
    expect(verdict).toMatchObject({ verdict: "allow", category: "ok", findings: [], checker: "streamlink-checker/1.1.0", sql: "SELECT title FROM patents LIMIT 3", executedSql: "SELECT title FROM patents LIMIT 3", dialect: "duckdb" });
    expect(verdict.elapsedMs).toBeGreaterThanOrEqual(0);
    expect(checker.version).toBe("streamlink-checker/1.1.0");
  });

  it("refuses empty and comment-only text as syntax", async () => {
    for (const sql of ["", "   ", "-- nothing\n/* here */"]) {
      const verdict = await checker.check(sql, withCatalog);
      expect(verdict).toMatchObject({ verdict: "block", category: "syntax" });
      expect(verdict.findings[0]?.rule).toBe("syntax.empty");
    }
  });
});

describe("syntax errors", () => {
  it("carry line and column", async () => {
    const verdict = await checker.check("SELECT title\nFROM patents\nWHERE num_claims >", withCatalog);
    const parse = verdict.findings.find((f) => f.rule === "syntax.parse");
    expect(parse).toMatchObject({ severity: "error", line: 3 });
    expect(parse?.message).toMatch(/line 3, column \d+/);
  });

  it("say which parenthesis is unpaired without asking the grammar", async () => {
    const verdict = await checker.check("SELECT (title FROM patents", withCatalog);
    expect(verdict.findings[0]).toMatchObject({ rule: "syntax.parse", line: 1, column: 8 });
    expect(verdict.findings[0]?.message).toMatch(/never closed/);
  });
});

describe("catalog validation", () => {
  it("suggests the nearest table and column", async () => {
    const table = await checker.check("SELECT title FROM patnets", withCatalog);
    expect(table.findings[0]).toMatchObject({ rule: "catalog.unknown-table", hint: 'Did you mean "patents"?', line: 1, column: 19 });
    const column = await checker.check("SELECT titel FROM patents", withCatalog);
    expect(column.findings[0]).toMatchObject({ rule: "catalog.unknown-column", hint: 'Did you mean "title"?', line: 1, column: 8 });
  });

  it("understands CTEs, aliases, subquery outputs and select-list aliases", async () => {
    const sqls = [
      "WITH top AS (SELECT assignee, count(*) AS n FROM patents GROUP BY assignee) SELECT assignee, n FROM top ORDER BY n DESC LIMIT 5",
      "SELECT p.title, c.cpc_code FROM patents AS p JOIN patent_cpc c USING (publication_number) LIMIT 5",
      "SELECT s.t FROM (SELECT title AS t FROM patents) s LIMIT 5",
      "SELECT title FROM patents p WHERE EXISTS (SELECT 1 FROM patent_cpc c WHERE c.publication_number = p.publication_number) LIMIT 5",
      "SELECT assignee AS a, count(*) AS n FROM patents GROUP BY a HAVING n > 3 ORDER BY n LIMIT 5",
    ];
    for (const sql of sqls) {
      const verdict = await checker.check(sql, withCatalog);
      expect(verdict.findings, sql).toEqual([]);
    }
  });

  it("reports a column missing from a CTE's outputs", async () => {
    const verdict = await checker.check("WITH t AS (SELECT title FROM patents) SELECT assignee FROM t", withCatalog);
    expect(verdict.findings[0]?.rule).toBe("catalog.unknown-column");
  });

  it("counts a transposition as one edit", () => {
    expect(editDistance("titel", "title")).toBe(1);
    expect(editDistance("patents", "patents")).toBe(0);
    expect(closest("asignee", ["assignee", "title"])).toBe("assignee");
    expect(closest("zzz", ["assignee", "title"])).toBeUndefined();
  });
});

describe("row cap", () => {
  it("adds LIMIT after the last token, dropping a trailing semicolon and comment", async () => {
    const verdict = await checker.check("SELECT title FROM patents; -- all of them", { ...withCatalog, rowCap: 500 });
    expect(verdict.executedSql).toBe("SELECT title FROM patents\nLIMIT 500");
    expect(verdict.findings.map((f) => f.rule)).toEqual(["plan.row-cap"]);
  });

  it("leaves queries with a LIMIT or a single aggregate row alone", async () => {
    for (const sql of ["SELECT title FROM patents LIMIT 3", "SELECT count(*) FROM patents"]) {
      const verdict = await checker.check(sql, { ...withCatalog, rowCap: 500 });
      expect(verdict.executedSql).toBe(sql);
    }
  });
});

describe("injection signals", () => {
  it("are a warning inside the literals of a well-formed read-only query (T12)", async () => {
    const verdict = await checker.check("SELECT title FROM patents WHERE title = 'x'' UNION SELECT password FROM users --' LIMIT 1", withCatalog);
    expect(verdict.verdict).toBe("allow");
    expect(verdict.findings).toEqual([expect.objectContaining({ rule: "signal.literal", severity: "warning" })]);
  });

  it("score classic fragments and leave ordinary text alone", () => {
    for (const payload of ["admin' --", "1' OR '1'='1", "' UNION SELECT username, password FROM users--", "1 AND SLEEP(5)"]) {
      expect(injectionSignals(payload).score, payload).toBeGreaterThanOrEqual(3);
    }
    for (const text of ["O'Brien", "ronda sant antoni maria claret 144,", "tamerlani@ubikuo.cc", "1.35E+15", "rock 'n' roll"]) {
      expect(injectionSignals(text).score, text).toBeLessThan(3);
    }
  });

  it("see through Unicode look-alike quotes", () => {
    const report = injectionSignals("ʼ OR ʼ1ʼ=ʼ1");
    expect(report.signals.map((s) => s.rule)).toContain("signal.lookalike");
  });
});

describe("lexer", () => {
  it("keeps strings, quoted names, comments and MySQL versioned comments apart", () => {
    const tokens = lex("SELECT 'a''b', \"x y\", /*!50000 UNION*/ 0x41 -- tail");
    expect(tokens.map((t) => t.kind)).toEqual(["word", "string", "op", "quoted", "op", "comment", "hex", "comment"]);
    expect(tokens[1]?.value).toBe("a'b");
    expect(tokens[5]?.executable).toBe(true);
  });

  it("maps offsets to 1-based line and column", () => {
    expect(positionOf("ab\ncd", 4)).toEqual({ line: 2, column: 2 });
  });
});
