import { describe, expect, it } from "vitest";
import { magicCellMime, QUESTION_MIME, SQL_MIME } from "../../extension/src/magic-language.js";

describe("the editor language of a magic cell's body", () => {
  it.each([
    ["%%sql\nSELECT 1", SQL_MIME.duckdb],
    ["\n  %%sql --out top\nSELECT 1", SQL_MIME.duckdb],
    ["%%sql --engine spark\nSELECT 1", SQL_MIME.spark],
    ["%%sql --engine duckdb\nSELECT 1", SQL_MIME.duckdb],
    ["%%remember How many patents?\nSELECT count(*) FROM patents", SQL_MIME.duckdb],
    ["%%ask\nWhich patents are in force?", QUESTION_MIME],
    ["%connect duckdb data\nconst x = 1", undefined],
    ["const sql = '%%sql'", undefined],
    ["%%unknown\nSELECT 1", undefined],
  ])("%j", (source, mime) => {
    expect(magicCellMime(source)).toBe(mime);
  });

  it("takes the dialect the cell was last checked in when its connection has another name", () => {
    expect(magicCellMime("%%sql --engine cluster\nSELECT 1", "spark")).toBe(SQL_MIME.spark);
    expect(magicCellMime("%%sql --engine spark\nSELECT 1", "duckdb")).toBe(SQL_MIME.spark);
  });
});
