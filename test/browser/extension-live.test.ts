/**
 * The extension with the real StreamLink kernel: run an allowed %%sql, a blocked one and an %%ask (on a
 * real local model) in Chromium, then check badges, details, persistence and staleness as a user sees them.
 * Screenshots go to test-results/browser/.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Lab, REPO, assertPrerequisites, startChromium } from "./lab.js";
import {
  badgeTexts,
  closeDetails,
  codeCells,
  openDetails,
  openNotebook,
  runCell,
  save,
  screenshot,
  summary,
  waitForBadges,
} from "./notebook.js";

const NAME = "live.ipynb";
const KERNEL = "StreamLink (TypeScript)";
const ANY_VERDICT = /^(allowed|allowed with \d+ warnings?|blocked \(security\)|blocked \(syntax\))$/;

describe("verdicts from the live StreamLink kernel", () => {
  let lab: Lab;
  let page: Page;
  let closeBrowser: () => Promise<void>;

  beforeAll(async () => {
    assertPrerequisites();
    lab = await Lab.start({
      notebooks: [join(REPO, "notebooks/fixtures", NAME)],
      kernels: ["streamlink"],
      links: { data: join(REPO, "notebooks/data") },
    });
    ({ page, close: closeBrowser } = await startChromium());
    await openNotebook(page, lab, NAME, KERNEL);
  });

  afterAll(async () => {
    await closeBrowser?.();
    await lab?.stop();
  });

  it("badges an allowed and a blocked %%sql cell when they run", async () => {
    await waitForBadges(page, [null, null, null, null, null]);
    await runCell(page, 0, KERNEL);
    await runCell(page, 1, KERNEL);
    await runCell(page, 2, KERNEL);
    await waitForBadges(page, [null, null, "allowed", null, null]);
    await runCell(page, 3, KERNEL);
    await waitForBadges(page, [null, null, "allowed", "refused (policy)", null]);
    await expect(codeCells(page).nth(3).locator(".sl-VerdictOutput-findings").textContent()).resolves.toContain("security.file-access");
    await screenshot(page, "11-live-sql-badges");
  });

  it("badges an %%ask cell and shows the generated SQL and the local model's provenance", { timeout: 600_000 }, async () => {
    await runCell(page, 4, KERNEL, 500_000);
    const badges = await badgeTexts(page);
    expect(badges.slice(0, 4)).toEqual([null, null, "allowed", "refused (policy)"]);
    expect(badges[4]).toMatch(ANY_VERDICT);
    const dialog = await openDetails(page, 4);
    await expect(dialog.locator(".sl-Details-question").textContent()).resolves.toBe("How many patents are there?");
    await expect(dialog.getByRole("heading", { name: "The generated SQL (checked)" }).isVisible()).resolves.toBe(true);
    await expect(dialog.locator(".sl-Details-sql").first().textContent()).resolves.toMatch(/\S/);
    const provenance = await dialog.locator(".sl-Details-section", { hasText: "Provenance" }).locator("dd").allTextContents();
    // The bundled model that the set-up fetches (the fixture's %model cell shows it).
    expect(provenance[0]).toContain("qwen2.5-coder-1.5b");
    expect(Number(provenance[3])).toBeGreaterThanOrEqual(1);
    await dialog.locator(".sl-Details-section", { hasText: "Provenance" }).scrollIntoViewIfNeeded();
    await screenshot(page, "12-live-ask-details");
    await closeDetails(page);
  });

  it("saves the verdicts in the notebook and shows them again after a reload", async () => {
    const before = await badgeTexts(page);
    await save(page, lab, NAME);
    const saved = JSON.parse(await readFile(join(lab.root, NAME), "utf8")) as { cells: { metadata: { streamlink?: { magic: string } } }[] };
    expect(saved.cells.map((c) => c.metadata.streamlink?.magic ?? null)).toEqual([null, null, null, "sql", "sql", "ask"]);
    await openNotebook(page, lab, NAME, KERNEL);
    await waitForBadges(page, before);
    await screenshot(page, "13-live-reloaded");
  });

  it("marks an edited cell stale and fresh again once it runs", async () => {
    await codeCells(page).nth(2).locator(".cm-content").click();
    await page.keyboard.press("Control+End");
    await page.keyboard.type(" WHERE grant_date IS NOT NULL");
    await waitForBadges(page, [null, null, "stale: allowed", ...(await badgeTexts(page)).slice(3)]);
    await expect(summary(page).textContent()).resolves.toMatch(/· 1 stale$/);
    await screenshot(page, "14-live-stale");
    await page.keyboard.press("Escape");
    await runCell(page, 2, KERNEL);
    await waitForBadges(page, [null, null, "allowed", ...(await badgeTexts(page)).slice(3)]);
    await expect(summary(page).textContent()).resolves.toMatch(/· 0 stale$/);
    await save(page, lab, NAME);
  });
});
