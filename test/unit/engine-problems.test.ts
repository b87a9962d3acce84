import { describe, expect, it } from "vitest";
import { quotedIdentifier, quotedString } from "../../core/sql-text.js";
import { sparkProblem } from "../../engines/spark/errors.js";

/**
 * Spark's error mapper, on messages as Spark 4.0.1's Thrift server reports them (after cleanSparkMessage); the DuckDB
 * mapper is tested on real DuckDB errors in test/integration/models-repairs.test.ts. Both give the same typed
 * problems, so the repairs work on either dialect.
 */
describe("sparkProblem", () => {
  it.each([
    ["[UNRESOLVED_COLUMN.WITH_SUGGESTION] A column, variable, or function parameter with name `nme` cannot be resolved. Did you mean one of the following? [`spark_catalog`.`default`.`patents`.`name`, `spark_catalog`.`default`.`patents`.`kind`]. SQLSTATE: 42703; line 1 pos 7",
      { kind: "unknown-column", column: "nme", candidates: ["patents.name", "patents.kind"], position: { line: 1, column: 8 } }],
    ["[UNRESOLVED_COLUMN.WITHOUT_SUGGESTION] A column, variable, or function parameter with name `t2`.`Fname` cannot be resolved.  SQLSTATE: 42703",
      { kind: "unknown-column", qualifier: "t2", column: "Fname" }],
    ["[AMBIGUOUS_REFERENCE] Reference `Document_ID` is ambiguous, could be: [`spark_catalog`.`default`.`T1`.`Document_ID`, `spark_catalog`.`default`.`T2`.`Document_ID`]. SQLSTATE: 42704",
      { kind: "ambiguous-column", column: "Document_ID", candidates: ["T1.Document_ID", "T2.Document_ID"] }],
    ["[MISSING_AGGREGATION] The non-aggregating expression \"assignee\" is based on columns which are not participating in the GROUP BY clause. SQLSTATE: 42803",
      { kind: "not-grouped", column: "assignee" }],
    ["[CAST_INVALID_INPUT] The value '2009' of the type \"STRING\" cannot be cast to \"DATE\" because it is malformed. SQLSTATE: 22018",
      { kind: "date-format", value: "2009" }],
    ["[TABLE_OR_VIEW_NOT_FOUND] The table or view `nope` cannot be found. SQLSTATE: 42P01; line 1 pos 14", { kind: "unknown-table", table: "nope" }],
    ["[PARSE_SYNTAX_ERROR] Syntax error at or near 'SELEC'. SQLSTATE: 42601 (line 1, pos 0)", { kind: "syntax", position: { line: 1, column: 1 } }],
    ["[DIVIDE_BY_ZERO] Division by zero.", { kind: "engine" }],
  ])("%s", (message, expected) => {
    expect(sparkProblem(message)).toMatchObject({ origin: "engine", dialect: "spark", ...expected });
  });
});

describe("quoting", () => {
  it("quotes strings and identifiers so that no text can end them, per dialect", () => {
    expect(quotedString("it's")).toBe("'it''s'");
    expect(quotedString("it's \\ x", "spark")).toBe("'it\\'s \\\\ x'");
    expect(quotedIdentifier('my "col"')).toBe('"my ""col"""');
    expect(quotedIdentifier("a`b", "spark")).toBe("`a``b`");
  });
});
