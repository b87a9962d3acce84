/**
 * What the badge means, with the real kernel in real JupyterLab and Chromium: an allowed query that finds
 * nothing gets "no rows" and a note with the likely reason, a run that fails changes the badge, a request
 * to delete rows is refused (no model needed), and the same query with --explain is explained and planned, not run. Kept to one notebook and one run; screenshots go to
 * test-results/browser/.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ALLOWED_MEANS, type VerdictBundle } from "../../core/verdict.js";
import { Lab, REPO, assertPrerequisites, startChromium } from "./lab.js";
import { closeDetails, codeCells, openDetails, openNotebook, runCell, save, screenshot, waitForBadges } from "./notebook.js";

const NAME = "meaning.ipynb";
const KERNEL = "StreamLink (TypeScript)";

describe("what a verdict badge means, as a user sees it", () => {
  let lab: Lab;
  let page: Page;
  let closeBrowser: () => Promise<void>;

  beforeAll(async () => {
    assertPrerequisites();
    lab = await Lab.start({ notebooks: [join(REPO, "notebooks/fixtures", NAME)], kernels: ["streamlink"], links: { data: join(REPO, "notebooks/data") } });
    ({ page, close: closeBrowser } = await startChromium());
    await openNotebook(page, lab, NAME, KERNEL);
  });

  afterAll(async () => {
    await closeBrowser?.();
    await lab?.stop();
  });

  it("shows no rows with its note, a failed run and a refusal on the badges; --explain explains and plans without running", async () => {
    for (const cell of [0, 1, 2, 3, 4]) await runCell(page, cell, KERNEL);
    await waitForBadges(page, [null, "allowed · no rows", "allowed · run failed", "refused (policy)", "allowed"]);

    const empty = codeCells(page).nth(1);
    await expect(empty.locator(".sl-VerdictOutput-means").textContent()).resolves.toBe(ALLOWED_MEANS);
    const note = empty.locator(".streamlink-note");
    await expect(note.isVisible()).resolves.toBe(true);
    await expect(note.textContent()).resolves.toContain("patent_cpc and patents have no rows in common on publication_number where assignee contains 'intel' (any case)");
    await expect(codeCells(page).nth(3).locator(".sl-VerdictOutput-findings").textContent()).resolves.toContain(
      "StreamLink only reads; deleting rows is not possible here.",
    );
    await note.scrollIntoViewIfNeeded();
    await screenshot(page, "21-meaning-badges");

    const explained = codeCells(page).nth(4);
    await expect(explained.locator(".streamlink-explanation").textContent()).resolves.toBe(
      "What this query does: Counts rows per cpc from patents joined with patent_cpc on the same publication_number, where assignee contains 'intel' (any case).",
    );
    // Cost before running: the engine's plan with its estimates, and neither rows nor a note, since nothing ran.
    await expect(explained.locator(".streamlink-plan pre").textContent()).resolves.toMatch(/HASH_GROUP_BY\s+·\s+~[\d,]+ rows[\s\S]*HASH_JOIN/);
    await expect(explained.locator(".sl-Table, .streamlink-note").count()).resolves.toBe(0);
    await explained.locator(".streamlink-plan").scrollIntoViewIfNeeded();
    await screenshot(page, "23-meaning-explain-plan");

    const dialog = await openDetails(page, 1);
    await expect(dialog.locator(".sl-Details-rows").first().textContent()).resolves.toContain("returned no rows");
    await screenshot(page, "22-meaning-details");
    await closeDetails(page);
    const explainedDialog = await openDetails(page, 4);
    await expect(explainedDialog.locator(".sl-Details-explanation").textContent()).resolves.toMatch(/^Counts rows per cpc from patents/);
    await closeDetails(page);
  });

  it("keeps the explanation and how each run ended in the saved notebook", async () => {
    await save(page, lab, NAME);
    const saved = JSON.parse(await readFile(join(lab.root, NAME), "utf8")) as { cells: { metadata: { streamlink?: VerdictBundle } }[] };
    const [, , empty, failed, refused, explained] = saved.cells.map((c) => c.metadata.streamlink);
    expect(empty?.outcome).toEqual({ status: "empty" });
    expect(explained?.explanation?.sentence).toMatch(/^Counts rows per cpc from patents/);
    expect(explained?.outcome).toBeUndefined();
    expect(failed?.outcome?.status).toBe("failed");
    expect(failed?.outcome?.message).toMatch(/^QueryError: Conversion Error/);
    expect(refused?.verdict).toMatchObject({ verdict: "block", category: "policy", sql: "" });
  });
});
