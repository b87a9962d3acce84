import { describe, expect, it } from "vitest";
import { translateSqliteToDuckdb } from "../../evals/spider/translate.js";

// Each case is a gold query shape from Spider's dev set and what DuckDB must be given instead.
const CASES: { name: string; sqlite: string; duckdb: string; rules: string[] }[] = [
  {
    name: "double-quoted strings become single-quoted",
    sqlite: `SELECT name FROM singer WHERE country = "France" AND note = "it's"`,
    duckdb: `SELECT name FROM singer WHERE country = 'France' AND note = 'it''s'`,
    rules: ["double-quoted-string"],
  },
  {
    name: "LIKE ignores case as in SQLite",
    sqlite: "select other_details from paragraphs where paragraph_text like 'korea'",
    duckdb: "select other_details from paragraphs where paragraph_text ILIKE 'korea'",
    rules: ["like-nocase"],
  },
  {
    name: "a grouped query's bare column takes any value of its group",
    sqlite: "SELECT T1.name FROM conductor AS T1 JOIN orchestra AS T2 ON T1.id = T2.cid GROUP BY T2.cid ORDER BY COUNT(*) DESC LIMIT 1",
    duckdb: "SELECT any_value(T1.name) FROM conductor AS T1 JOIN orchestra AS T2 ON T1.id = T2.cid GROUP BY T2.cid ORDER BY COUNT(*) DESC LIMIT 1",
    rules: ["bare-column"],
  },
  {
    name: "a bare column beside max() comes from the row of the maximum",
    sqlite: "SELECT name, max(age) FROM singer",
    duckdb: "SELECT arg_max(name, age), max(age) FROM singer",
    rules: ["bare-column"],
  },
  {
    name: "grouped keys, aliases and aggregates are left alone",
    sqlite: "SELECT country, count(*) AS n FROM singer GROUP BY country ORDER BY n DESC",
    duckdb: "SELECT country, count(*) AS n FROM singer GROUP BY country ORDER BY n DESC",
    rules: [],
  },
  {
    name: "a bare column in a subquery is rewritten inside it only",
    sqlite: "SELECT name FROM dogs WHERE breed = (SELECT breed FROM dogs GROUP BY size ORDER BY count(*) LIMIT 1)",
    duckdb: "SELECT name FROM dogs WHERE breed = (SELECT any_value(breed) FROM dogs GROUP BY size ORDER BY count(*) LIMIT 1)",
    rules: ["bare-column"],
  },
  {
    name: "JOIN without ON is a cross join",
    sqlite: "SELECT DISTINCT T1.first_name FROM Professionals AS T1 JOIN Treatments AS T2 WHERE cost < 5",
    duckdb: "SELECT DISTINCT T1.first_name FROM Professionals AS T1 CROSS JOIN Treatments AS T2 WHERE cost < 5",
    rules: ["join-without-on"],
  },
  {
    name: "a table named SHOW is quoted, and a trailing semicolon dropped",
    sqlite: "SELECT avg(Attendance) FROM SHOW;",
    duckdb: `SELECT avg(Attendance) FROM "SHOW"`,
    rules: ["keyword-name"],
  },
  {
    name: "a query DuckDB already reads is unchanged",
    sqlite: "SELECT count(*) FROM singer",
    duckdb: "SELECT count(*) FROM singer",
    rules: [],
  },
];

describe("translateSqliteToDuckdb", () => {
  for (const c of CASES) {
    it(c.name, () => {
      const translation = translateSqliteToDuckdb(c.sqlite);
      expect(translation.sql).toBe(c.duckdb);
      expect([...translation.rules].sort()).toEqual([...c.rules].sort());
    });
  }
});
