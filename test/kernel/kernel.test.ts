import { describe, expect, it } from "vitest";
import { VERDICT_MIME, type VerdictBundle } from "../../core/verdict.js";
import { outputsOfType, runKernel, visibleText, type StepResult, type Steps } from "../support/kernel-client.js";

/** The real kernel, started by Jupyter's own client from the kernelspec in .venv. */
describe("the streamlink kernel under jupyter_client", () => {
  let results: StepResult[] = [];

  it("runs %%sql on embedded DuckDB, assigns --out, and keeps TypeScript cells working", async () => {
    results = await runKernel([
      { code: "%connect duckdb data/patents" },
      { code: "%%sql --out top\nSELECT cpc, count(*) AS n FROM patent_cpc GROUP BY cpc ORDER BY n DESC, cpc LIMIT 10" },
      { code: "top.numRows" },
      { code: "String(top.getChild('cpc')?.get(0))" },
      { code: "const x: number = 'not a number';" },
      { code: "let y = 41;\ny + 1" },
      { code: "%%sql\nSELECT * FROM no_such_table" },
      { code: "%%sqll\nSELECT 1" },
      { code: "%%sql --bogus 3\nSELECT 1" },
      { code: "%%sql\nDELETE FROM patents" },
      { code: "await Promise.resolve(y * 2)" },
      { code: "throw new RangeError('planted')" },
      { code: "_.numRows" },
      { code: 'import * as tslab from "tslab";\ntslab.display.html("<b>from tslab</b>")' },
      { code: "%%sql\nSELECT 1 AS one UNION ALL SELECT 2" },
      { code: "_.numRows" },
      { code: "const _ = 'mine';\n_" },
      { code: "%%sql\nSELECT 3 AS three" },
      { code: "_.numRows" },
    ]);
    const [connect, sql, numRows, firstCpc, typeError, carry, unknownTable, unknownMagic, badOption, blocked, topAwait, thrown, underscore, tslabDisplay, , underscoreAgain, mine, , underscoreLast] = results as Steps<19>;

    expect(connect.reply.status).toBe("ok");
    expect(visibleText(connect.iopub)).toMatch(/4 table\(s\): patent_cpc, patent_inventors, patents, patents_embeddings_title_abstract/);

    expect(sql.reply.status).toBe("ok");
    const html = outputsOfType(sql.iopub, "text/html").join("");
    expect(html).toContain("G06T15/005");
    expect(html).toMatch(/VARCHAR/);
    expect(html).toMatch(/10 rows × 2 columns/);
    const verdicts = outputsOfType(sql.iopub, VERDICT_MIME) as VerdictBundle[];
    expect(verdicts).toHaveLength(1);
    expect(verdicts[0]?.verdict.verdict).toBe("allow");
    expect(verdicts[0]?.cellSource).toContain("%%sql --out top");

    expect(numRows.reply.status).toBe("ok");
    expect(outputsOfType(numRows.iopub, "text/plain")).toEqual(["10"]);
    expect(outputsOfType(firstCpc.iopub, "text/plain")).toEqual(["'G06T15/005'"]);
    expect(numRows.reply.execution_count).toBeTypeOf("number");

    expect(typeError.reply.status).toBe("error");
    expect(typeError.reply.ename).toBe("TypeScriptError");
    expect(String(typeError.reply.evalue)).toMatch(/not assignable to type 'number'/);
    expect(typeError.iopub.some((m) => m.type === "error")).toBe(true);

    expect(outputsOfType(carry.iopub, "text/plain")).toEqual(["42"]);

    for (const failed of [unknownTable, unknownMagic, badOption, blocked]) {
      expect(failed.reply.status).toBe("error");
      expect(visibleText(failed.iopub)).toMatch(/Hint/);
    }
    expect(visibleText(unknownTable.iopub)).toMatch(/no_such_table/);
    expect(visibleText(unknownMagic.iopub)).toMatch(/Unknown magic %%sqll[\s\S]*%%sql/);
    expect(visibleText(badOption.iopub)).toMatch(/--bogus[\s\S]*--engine, --out, --limit, --plot/);
    expect(blocked.reply.ename).toBe("BlockedQueryError");
    const blockedVerdict = (outputsOfType(blocked.iopub, VERDICT_MIME) as VerdictBundle[])[0];
    expect(blockedVerdict?.verdict.verdict).toBe("block");
    expect(blockedVerdict?.verdict.category).toBe("policy");

    expect(outputsOfType(topAwait.iopub, "text/plain")).toEqual(["82"]);
    expect(thrown.reply.ename).toBe("RangeError");
    expect(thrown.reply.evalue).toBe("planted");
    // `_` is the last result that ran: the --out top query (the cells after it failed or were blocked).
    expect(outputsOfType(underscore.iopub, "text/plain")).toEqual(["10"]);
    expect(outputsOfType(tslabDisplay.iopub, "text/html")).toEqual(["<b>from tslab</b>"]);
    // `_` follows every result, also after the user declared a variable of that name.
    expect(outputsOfType(underscoreAgain.iopub, "text/plain")).toEqual(["2"]);
    expect(outputsOfType(mine.iopub, "text/plain")).toEqual(["'mine'"]);
    expect(outputsOfType(underscoreLast.iopub, "text/plain")).toEqual(["1"]);
  });

  it("interrupt stops a running DuckDB query within a second and the kernel stays usable", async () => {
    const [, long, after] = await runKernel([
      { code: "%connect duckdb data/patents" },
      {
        // Legitimate but slow: an equi-join on a low-cardinality column, 10^12 row pairs.
        code: "%%sql\nSELECT count(*) FROM patents a JOIN patents b ON a.country = b.country JOIN patents c ON c.country = b.country",
        interrupt_after_s: 1.5,
        timeout_s: 60,
      },
      { code: "%%sql\nSELECT 42 AS answer" },
    ]);
    expect(long?.reply.status).toBe("error");
    expect(long?.reply.ename).toBe("QueryCancelledError");
    expect(long?.seconds).toBeLessThan(1.5 + 1);
    expect(after?.reply.status).toBe("ok");
    expect(outputsOfType(after?.iopub ?? [], "text/html").join("")).toContain("42");
  });

  it("answers cells queued behind a failed cell with a visible note, and runs later cells", async () => {
    const [failed, later] = await runKernel([
      { code: "throw new Error('first fails')", queue: ["1 + 1", "2 + 2"] },
      { code: "3 + 3", pause_s: 1 },
    ]);
    expect(failed?.reply.status).toBe("error");
    for (const queued of failed?.queued ?? []) {
      expect(queued.reply.status).toBe("aborted");
      expect(visibleText(queued.iopub)).toMatch(/Not run: cell \[\d+\] failed/);
    }
    expect(failed?.queued).toHaveLength(2);
    expect(outputsOfType(later?.iopub ?? [], "text/plain")).toEqual(["6"]);
  });

  it("refuses a delete request in %%ask before any model or query, and notes why an answer is empty", async () => {
    const [, refused, empty, explained] = await runKernel([
      { code: "%connect duckdb data/patents" },
      { code: "%%ask\nDelete NVIDIA patents" },
      { code: "%%sql\nSELECT c.cpc, count(*) AS n FROM patents p JOIN patent_cpc c ON c.publication_number = p.publication_number\nWHERE p.assignee ILIKE '%intel%' GROUP BY c.cpc" },
      { code: "%%sql --explain\nSELECT country, count(*) AS n FROM patents WHERE kind = 'B2' GROUP BY country ORDER BY n DESC LIMIT 3" },
    ]);
    expect(refused?.reply.status).toBe("error");
    expect(refused?.reply.ename).toBe("BlockedQueryError");
    const refusedText = visibleText(refused?.iopub ?? []);
    expect(refusedText).toMatch(/Refused: StreamLink only reads; deleting rows is not possible here\./);
    expect(refusedText).toMatch(/✖ refused \(policy\)/);
    // Nothing was written or run: no generated SQL, no result table.
    expect(refusedText).not.toMatch(/Generated SQL|row\(s\)|rows ×/);
    const verdict = (outputsOfType(refused?.iopub ?? [], VERDICT_MIME) as VerdictBundle[])[0]?.verdict;
    expect(verdict).toMatchObject({ verdict: "block", category: "policy", sql: "" });

    expect(empty?.reply.status).toBe("ok");
    const emptyText = visibleText(empty?.iopub ?? []);
    expect(emptyText).toMatch(/0 rows × 2 columns/);
    expect(emptyText).toMatch(/does not mean the answer is right/);
    expect(emptyText).toMatch(/No rows\. The query ran and nothing matched/);
    expect(emptyText).toContain("patent_cpc and patents have no rows in common on publication_number where assignee contains 'intel' (any case)");

    expect(explained?.reply.status).toBe("ok");
    expect(visibleText(explained?.iopub ?? [])).toContain(
      "What this query does: Counts rows per country from patents, where kind is 'B2'; sorted by the number of rows (highest first), keeping the first 3 rows.",
    );
    const bundle = (outputsOfType(explained?.iopub ?? [], VERDICT_MIME) as VerdictBundle[])[0];
    expect(bundle?.explanation?.sentence).toMatch(/^Counts rows per country/);
  });

  it("caps what a large result materialises and says so", async () => {
    const [, , big, size] = await runKernel([
      { code: "%connect duckdb data/patents" },
      { code: "%config max_rows=1000" },
      { code: "%%sql --out big\nSELECT * FROM patent_cpc" },
      { code: "big.numRows" },
    ]);
    expect(big?.reply.status).toBe("ok");
    expect(visibleText(big?.iopub ?? [])).toMatch(/stopped at 1,000 rows/);
    expect(outputsOfType(size?.iopub ?? [], "text/plain")).toEqual(["1000"]);
  });
});

/** Cost before running: the engine's plan with its estimates, and a question before a large scan. */
describe("%%sql --explain and confirm_rows", () => {
  it("shows the engine's plan of a GROUP BY with estimated rows and runs nothing; a scan above confirm_rows waits for --yes", async () => {
    const groupBy = "SELECT country, count(*) AS n FROM patents GROUP BY country";
    const [, , explained, lastName, , refused, confirmed] = await runKernel([
      { code: "%connect duckdb data/patents" },
      { code: "%%sql\nSELECT 41 AS before" },
      { code: `%%sql --explain\n${groupBy}` },
      { code: "_.schema.fields[0].name" },
      { code: "%config confirm_rows=100" },
      { code: `%%sql\n${groupBy}` },
      { code: `%%sql --yes\n${groupBy}` },
    ]) as Steps<7>;

    expect(explained.reply.status).toBe("ok");
    const text = visibleText(explained.iopub);
    expect(text).toContain("What this query does: Counts rows per country from patents");
    expect(text).toContain("The engine's plan on duckdb (estimates; nothing ran):");
    expect(text).toMatch(/HASH_GROUP_BY\s+·\s+~[\d,]+ rows/);
    expect(text).toMatch(/\n\s+.*READ_PARQUET.*~[\d,]+ rows/);
    expect(text).toMatch(/The scans are estimated to read ~[\d,]+ rows\./);
    // Nothing ran: no result table, and `_` is still the previous cell's result.
    expect(text).not.toMatch(/rows × \d+ column/);
    expect(outputsOfType(lastName.iopub, "text/plain")).toEqual(["'before'"]);

    expect(refused.reply.status).toBe("error");
    expect(refused.reply.ename).toBe("ConfirmScanError");
    expect(String(refused.reply.evalue)).toMatch(/reads about [\d,]+ rows, more than confirm_rows \(100\); nothing ran/);
    expect(visibleText(refused.iopub)).toMatch(/Add --yes/);
    expect(confirmed.reply.status).toBe("ok");
    expect(visibleText(confirmed.iopub)).toMatch(/rows × 2 columns/);
  });
});

/** Tab and Shift+Tab in `%%sql` cells, answered from the live catalog over the real protocol. */
describe("completion and inspection in %%sql cells", () => {
  const at = (code: string, marker: string): { code: string; cursor_pos: number } => ({ code, cursor_pos: code.indexOf(marker) + marker.length });

  it("completes columns of the FROM tables, tables after FROM, functions, options; Shift+Tab shows a column's type and values", async () => {
    const cell = "%%sql\nSELECT publication_number, tit FROM patents";
    const results = await runKernel([
      { code: "%connect duckdb data/patents" },
      { request: "complete", ...at(cell, "tit") },
      { request: "complete", ...at("%%sql\nSELECT  FROM patent_cpc", "SELECT ") },
      { request: "complete", ...at("%%sql\nSELECT cpc FROM pat", "FROM pat") },
      { request: "complete", ...at("%%sql\nSELECT c.cp FROM patent_cpc AS c JOIN patents p ON p.publication_number = c.publication_number", "c.cp") },
      { request: "complete", ...at("%%sql\nSELECT COU FROM patents", "COU") },
      { request: "complete", ...at("%%sql --li\nSELECT 1", "--li") },
      { request: "complete", ...at("%%sql\nSELECT 'tit FROM patents", "'tit") },
      { request: "inspect", ...at("%%sql\nSELECT p.title FROM patents p", ".ti") },
      { request: "inspect", ...at(cell, "FROM pat") },
      { request: "complete", ...at("%%ask\nWhich tit", "tit") },
      { request: "complete", ...at("const fromTs = 1;\nfromT", "\nfromT") },
    ]);
    const [, title, afterSelect, afterFrom, qualified, fn, option, inString, column, table, question, typescript] = results as Steps<12>;
    const matches = (r: StepResult | undefined): string[] => (r?.reply.matches ?? []) as string[];

    expect(title.reply.status).toBe("ok");
    expect(matches(title)).toEqual(["title"]);
    const cell0 = cell.indexOf("tit");
    expect([title.reply.cursor_start, title.reply.cursor_end]).toEqual([cell0, cell0 + 3]);

    // After SELECT with nothing typed: the FROM table's columns come first, then the engine's functions.
    const listed = matches(afterSelect);
    expect(listed[0]).toBe("publication_number");
    expect(listed.indexOf("cpc")).toBeGreaterThan(0);
    expect(listed.indexOf("cpc")).toBeLessThan(listed.indexOf("count"));
    // Columns of tables the query does not read come last (`title` is a column of patents only).
    expect(listed.indexOf("title")).toBeGreaterThan(listed.indexOf("patents"));
    expect(matches(afterFrom)).toEqual(["patent_cpc", "patent_inventors", "patents", "patents_embeddings_title_abstract"]);
    expect(matches(qualified)).toEqual(["cpc"]);
    expect(matches(fn)).toContain("COUNT");
    expect(matches(option)).toEqual(["--limit"]);
    expect(matches(inString)).toEqual([]);
    expect(matches(question)).toEqual([]);
    expect(matches(typescript)).toContain("fromTs");

    expect(column.reply.found).toBe(true);
    const shown = String((column.reply.data as Record<string, unknown>)["text/plain"]);
    expect(shown).toMatch(/^title: VARCHAR, a column of patents/);
    expect(shown).toMatch(/Values: '[^']+'/);
    expect(String((table.reply.data as Record<string, unknown>)["text/plain"])).toMatch(/^patents: a table of \d+ columns, [\d,]+ rows\n\s+publication_number\s+VARCHAR/);
  });
});
