import { describe, expect, it } from "vitest";
import { runKernel, visibleText } from "../support/kernel-client.js";
import { scriptedKernelEnv } from "../support/scripted-kernel.js";

/** Every tuple of three patents of one country: ~10^10 rows on the demo data, far past any time limit. */
const EXPLOSION = "SELECT count(*) AS n FROM patents a JOIN patents b ON a.country = b.country JOIN patents c ON b.country = c.country";

/**
 * The real kernel under jupyter_client, its model replaced by a script (test/support/scripted-kernel.ts), so the
 * cell shows what the pipeline does with a known answer rather than what a model happens to write.
 */
describe("%%ask in the real kernel, first answer a cartesian explosion on the demo data", () => {
  it("ends the cell within the time limit with a clear message, and the next cell runs", { timeout: 120_000 }, async () => {
    const answers = [`${EXPLOSION};`, `${EXPLOSION} WHERE a.kind = 'B2';`, `${EXPLOSION} WHERE b.kind = 'B2';`];
    const [, , asked, after] = await runKernel([
      { code: "%connect duckdb data/patents" },
      { code: "%config ask_timeout_s=2" },
      { code: "%%ask\nHow many patents share a country?", timeout_s: 60 },
      { code: "%%sql\nSELECT 42 AS answer" },
    ], undefined, scriptedKernelEnv(answers));
    expect(asked?.reply.status).toBe("error");
    expect(asked?.reply.ename).toBe("TooExpensiveError");
    // Three tries of at most 2 s each, plus checking and the kernel's own work: far from a hung cell.
    expect(asked?.seconds).toBeLessThan(20);
    expect(visibleText(asked?.iopub ?? [])).toMatch(/too expensive: it ran longer than 2 s/);

    expect(after?.reply.status).toBe("ok");
    expect(visibleText(after?.iopub ?? [])).toContain("42");
  });

  it("shows the repaired answer when the model's next try is cheap; an empty answer carries its note", { timeout: 120_000 }, async () => {
    const answers = [
      `${EXPLOSION};`,
      "SELECT country, count(*) AS n FROM patents GROUP BY country ORDER BY n DESC, country;",
      "SELECT c.cpc, count(*) AS n FROM patents p JOIN patent_cpc c ON c.publication_number = p.publication_number WHERE p.assignee ILIKE '%intel%' GROUP BY c.cpc;",
    ];
    const [, , asked, empty] = await runKernel([
      { code: "%connect duckdb data/patents" },
      { code: "%config ask_timeout_s=2" },
      { code: "%%ask\nHow many patents share a country?", timeout_s: 60 },
      { code: "%%ask\nWhich CPC groups do Intel's patents fall in?", timeout_s: 60 },
    ], undefined, scriptedKernelEnv(answers));
    expect(asked?.reply.status).toBe("ok");
    const text = visibleText(asked?.iopub ?? []);
    expect(text).toMatch(/2 tries/);
    expect(text).toMatch(/Counts rows per country from patents/);
    expect(asked?.seconds).toBeLessThan(20);

    expect(empty?.reply.status).toBe("ok");
    const emptyText = visibleText(empty?.iopub ?? []);
    expect(emptyText).toMatch(/0 rows × 2 columns/);
    expect(emptyText).toContain("patent_cpc and patents have no rows in common on publication_number where assignee contains 'intel' (any case)");
  });
});

/**
 * Candidates in the cell (#13): each candidate is one scripted answer, so which results agree is known here, and the
 * test reads what the user sees — the chosen SQL, its rows, the confidence, and the runner-up when unsure.
 */
describe("%%ask with several candidates in the real kernel", () => {
  it("answers with the result most candidates share and shows the confidence; unsure, it names the runner-up", { timeout: 120_000 }, async () => {
    const us = "SELECT count(*) AS n FROM patents WHERE country = 'US'";
    const jp = "SELECT count(*) AS n FROM patents WHERE country = 'JP'";
    const all = "SELECT count(*) AS n FROM patents";
    // Two candidates of the first cell count every patent under different names: they agree; the third does not.
    // The second cell's three candidates each count something else: no majority.
    const answers = [`${us};`, `${all};`, "SELECT count(*) AS patents FROM patents;", `${us};`, `${jp};`, `${all};`];
    const [, tooMany, sqlOnly, agreed, , unsure] = await runKernel([
      { code: "%connect duckdb data/patents" },
      { code: "%%ask --candidates 12\nHow many patents are there?" },
      { code: "%%ask --candidates 3 --sql-only\nHow many patents are there?" },
      { code: "%%ask --candidates 3\nHow many patents are there?", timeout_s: 60 },
      { code: "%config ask_candidates=3" },
      { code: "%%ask\nHow many patents are there?", timeout_s: 60 },
    ], undefined, scriptedKernelEnv(answers));

    expect(tooMany?.reply.ename).toBe("UsageError");
    expect(String(tooMany?.reply.evalue)).toContain("%%ask --candidates needs a number from 1 to 9, got 12");
    // Candidates are compared by their rows; a cell that runs nothing cannot have them.
    expect(sqlOnly?.reply.ename).toBe("UsageError");
    expect(String(sqlOnly?.reply.evalue)).toContain("%%ask --candidates and --sql-only do not go together");

    expect(agreed?.reply.status).toBe("ok");
    const agreedText = visibleText(agreed?.iopub ?? []);
    expect(agreedText).toContain(`Generated SQL (scripted, 1 try):\n${all}`);
    // While it works, the progress line says which candidate is being written.
    expect(agreedText).toContain("Candidate 1 of 3: reading the schema…");
    expect(agreedText).toContain("2 of 3 candidates agree (confidence 0.67)");
    expect(agreedText).not.toContain("unsure");
    expect(agreedText).not.toContain("I also considered");
    // The answer's own rows: every patent, not the US count the greedy candidate gave.
    expect(agreedText).toContain("14684");
    expect(agreedText).not.toContain("13514");

    expect(unsure?.reply.status).toBe("ok");
    const unsureText = visibleText(unsure?.iopub ?? []);
    // No two candidates agree: the greedy one is the answer, marked unsure, and the next one is offered.
    expect(unsureText).toContain(`Generated SQL (scripted, 1 try):\n${us}`);
    expect(unsureText).toContain("Unsure: 1 of 3 candidates agree (confidence 0.33)");
    expect(unsureText).toContain(`I also considered: ${jp}`);
    expect(unsureText).toContain("13514");
  });
});
