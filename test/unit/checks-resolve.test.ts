import { describe, expect, it } from "vitest";
import { createChecker } from "../../checks/index.js";
import type { CheckContext } from "../../core/verdict.js";
import { PAYLOAD_ALLOWED, PAYLOAD_CATALOG } from "./fixtures/payloads.js";

// Issue #20's reproductions on the checker: each was allowed (or hung, or threw) before.
const checker = createChecker();
const context: CheckContext = { dialect: "duckdb", catalog: PAYLOAD_CATALOG, allowedTables: PAYLOAD_ALLOWED, rowCap: 1000 };

describe("function names are judged as the engine resolves them", () => {
  const bypasses: readonly (readonly [string, string])[] = [
    ["SELECT main.current_setting('allowed_paths')", "security.secrets"],
    ["SELECT pg_catalog.current_setting('allowed_directories')", "security.secrets"],
    ["SELECT \"main\".\"current_setting\"('allowed_paths')", "security.secrets"],
    ["SELECT main.getenv('HOME')", "security.secrets"],
    ["SELECT \"main\".getenv('HOME')", "security.secrets"],
    ["SELECT * FROM main.duckdb_settings()", "security.secrets"],
    ["SELECT * FROM main.duckdb_secrets()", "security.secrets"],
    ["SELECT * FROM main.duckdb_views()", "security.system-catalog"],
    ["SELECT * FROM main.duckdb_tables()", "security.system-catalog"],
    ["SELECT * FROM pg_catalog.duckdb_databases()", "security.system-catalog"],
    ["SELECT * FROM main.pragma_table_info('patents')", "security.system-catalog"],
    ["SELECT * FROM main.query('WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT * FROM r')", "security.dynamic-sql"],
    ["SELECT * FROM main.query_table('users')", "security.dynamic-sql"],
    ["SELECT main.json_execute_serialized_sql('{}')", "security.dynamic-sql"],
    ["SELECT * FROM main.range(1e11)", "security.generator"],
    ["SELECT * FROM main.generate_series(1, 1e12)", "security.generator"],
    ["SELECT * FROM main.read_text('/etc/passwd')", "security.file-access"],
    ["SELECT * FROM main.read_csv('/etc/passwd')", "security.file-access"],
    ["SELECT * FROM main.glob('/home/*')", "security.file-access"],
    ["SELECT main.version()", "security.server-info"],
    ["SELECT main.pg_sleep(10)", "injection.time-probe"],
    ["SELECT main.repeat('x', 2e9)", "security.unbounded"],
  ];
  it("has the 22 bypasses of the report", () => {
    expect(bypasses).toHaveLength(22);
  });
  it.each(bypasses)("%s is refused by %s", async (sql, rule) => {
    const verdict = await checker.check(sql, context);
    expect(verdict.verdict, JSON.stringify(verdict.findings)).toBe("block");
    expect(verdict.findings.some((f) => f.rule === rule && f.severity === "error"), JSON.stringify(verdict.findings)).toBe(true);
  });
  it("still allows a qualified harmless built-in and refuses another database's package", async () => {
    expect((await checker.check("SELECT main.lower(title) FROM patents LIMIT 3", context)).verdict).toBe("allow");
    expect((await checker.check("SELECT dbms_java.runjava('x')", context)).rule).toBe("security.code-execution");
  });
});

describe("control characters", () => {
  it.each(["SELECT 1 AS x;\u0000DROP TABLE patents", "SELECT title FROM patents\u0000", "SELECT\u0008title FROM patents", "SELECT title FROM patents \u001b[2J"])(
    "%j is refused, not parsed around",
    async (sql) => {
      const verdict = await checker.check(sql, context);
      expect(verdict.verdict).toBe("block");
      expect(verdict.findings[0]?.rule).toBe("security.control-character");
      expect(verdict.executedSql).toBe(sql);
    },
  );
  it("keeps tabs and line breaks as whitespace", async () => {
    expect((await checker.check("SELECT title\r\n\tFROM patents LIMIT 1", context)).verdict).toBe("allow");
  });
});

describe("the row cap", () => {
  it("is placed on the outermost query of the one statement that runs", async () => {
    const verdict = await checker.check("SELECT title FROM patents -- newest first\n", context);
    expect(verdict.executedSql).toBe("SELECT title FROM patents\nLIMIT 1000");
    const again = await checker.check(verdict.executedSql, { ...context, rowCap: undefined });
    expect(again.verdict).toBe("allow");
  });
});

describe("constant and self-referencing join conditions are cross joins", () => {
  it.each([
    "SELECT * FROM patents a JOIN patent_cpc b ON true",
    "SELECT * FROM patents a JOIN patent_cpc b ON 1 = 1",
    "SELECT * FROM patents a JOIN patent_cpc b ON a.title = a.title",
    "SELECT * FROM patents a JOIN patents b ON a.title = a.title JOIN patents c ON c.title = c.title JOIN patents d ON true",
    "SELECT * FROM patents a LEFT JOIN patent_cpc b ON b.cpc_code = b.cpc_code",
  ])("%s", async (sql) => {
    const verdict = await checker.check(sql, context);
    expect(verdict.verdict).toBe("block");
    expect(verdict.rule).toBe("plan.cartesian");
  });
  it("a condition between the two sources still links them", async () => {
    const verdict = await checker.check("SELECT p.title FROM patents p JOIN patent_cpc c ON p.publication_number = c.publication_number LIMIT 5", context);
    expect(verdict.verdict).toBe("allow");
  });
});

describe("unbounded work in one call", () => {
  it.each([
    ["SELECT sleep_ms(120000)", "injection.time-probe"],
    ["SELECT repeat('x', 2e9)", "security.unbounded"],
    ["SELECT list_resize(list_value(1), 3e8)", "security.unbounded"],
    ["SELECT array_resize(list_value(1), 300000000)", "security.unbounded"],
    ["SELECT lpad(title, 2000000000, 'x') FROM patents", "security.unbounded"],
    ["SELECT repeat(title, num_claims) FROM patents", "security.unbounded"],
  ])("%s is refused by %s", async (sql, rule) => {
    const verdict = await checker.check(sql, context);
    expect(verdict.verdict).toBe("block");
    expect(verdict.findings.some((f) => f.rule === rule && f.severity === "error"), JSON.stringify(verdict.findings)).toBe(true);
  });
  it("allows small literal sizes", async () => {
    expect((await checker.check("SELECT repeat('-', 20) AS rule, lpad(title, 40, ' ') FROM patents LIMIT 5", context)).verdict).toBe("allow");
  });
});

describe("bounded parse", () => {
  const bounded = createChecker({ parseCacheSize: 0 });
  // Each of these hung the event loop for minutes, ran out of memory or threw a RangeError before.
  it("refuses SELECT + 19 nested parentheses within the parse deadline", { timeout: 20_000 }, async () => {
    const verdict = await bounded.check(`SELECT ${"(".repeat(19)}1 +${")".repeat(19)}`, context);
    expect(verdict).toMatchObject({ verdict: "block", category: "policy", rule: "security.parse-limit" });
  });
  it("refuses a 1 MB random body for its length", async () => {
    let state = 7;
    const body = Array.from({ length: 1_000_000 }, () => String.fromCharCode(32 + ((state = (state * 48271) % 2147483647) % 95))).join("");
    const verdict = await bounded.check(`SELECT ${body}`, context);
    expect(verdict).toMatchObject({ verdict: "block", rule: "security.parse-limit" });
  });
  it.each([
    ["OR", `SELECT title FROM patents WHERE ${Array.from({ length: 10_000 }, () => "num_claims = 1").join(" OR ")}`],
    ["+", `SELECT ${Array.from({ length: 10_000 }, (_, i) => String(i)).join(" + ")}`],
  ])("answers a 10,000-term %s chain with a verdict instead of a RangeError", { timeout: 20_000 }, async (_op, sql) => {
    const verdict = await bounded.check(sql, context);
    expect(["allow", "block"]).toContain(verdict.verdict);
    if (verdict.verdict === "block") expect(verdict.rule).toBe("security.parse-limit");
  });
  it("keeps working after a parse was stopped", { timeout: 20_000 }, async () => {
    await bounded.check(`SELECT ${"(".repeat(19)}1 +${")".repeat(19)}`, context);
    expect((await bounded.check("SELECT title FROM patents WHERE ((((((((num_claims > 1)))))))) LIMIT 1", context)).verdict).toBe("allow");
  });
});
