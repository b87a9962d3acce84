/**
 * The extension in real JupyterLab and real Chromium on a notebook saved with verdicts, opened as a
 * reviewer would open it: with no kernel at all. Screenshots go to test-results/browser/.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Lab, REPO, assertPrerequisites, startChromium } from "./lab.js";
import {
  badgeContrasts,
  closeDetails,
  codeCells,
  openDetails,
  openNotebook,
  save,
  screenshot,
  summary,
  waitForBadges,
} from "./notebook.js";

const FIXTURE = join(REPO, "notebooks/fixtures/verdicts.ipynb");
const NAME = "verdicts.ipynb";
const SAVED = ["allowed", "refused (policy)", "blocked (syntax)", "allowed with 1 warning", null];

interface SavedCell {
  source: string | string[];
  metadata: { streamlink?: { cellSource: string; verdict: { verdict: string } } };
}

async function savedCells(lab: Lab): Promise<SavedCell[]> {
  const notebook = JSON.parse(await readFile(join(lab.root, NAME), "utf8")) as { cells: SavedCell[] };
  return notebook.cells;
}

describe("verdicts in a saved notebook, without a kernel", () => {
  let lab: Lab;
  let page: Page;
  let closeBrowser: () => Promise<void>;

  beforeAll(async () => {
    assertPrerequisites();
    lab = await Lab.start({ notebooks: [FIXTURE], kernels: [] });
    ({ page, close: closeBrowser } = await startChromium());
    await openNotebook(page, lab, NAME);
  });

  afterAll(async () => {
    await closeBrowser?.();
    await lab?.stop();
  });

  it("shows a badge beside each verdict cell and none on plain code", async () => {
    await waitForBadges(page, SAVED);
    await expect(summary(page).textContent()).resolves.toBe("StreamLink: 2 allowed (1 with warnings) · 2 blocked · 0 stale");
    const badge = codeCells(page).nth(1).locator("button.sl-Badge");
    await expect(badge.getAttribute("aria-label")).resolves.toBe(
      "refused (policy). StreamLink verdict for this %%sql cell, 1 finding. Activate for details.",
    );
    await screenshot(page, "01-saved-badges");
  });

  it("renders the verdict output compactly and the chart as an interactive plot", async () => {
    const output = codeCells(page).nth(1).locator(".sl-VerdictOutput");
    await expect(output.locator(".sl-VerdictOutput-line").textContent()).resolves.toContain("refused (policy)");
    await expect(output.locator(".sl-VerdictOutput-findings").textContent()).resolves.toContain(
      "error security.file-access: read_csv reads a file outside the connection's catalog (line 1, column 15)",
    );
    const chart = codeCells(page).nth(3).locator(".sl-Plotly");
    await chart.locator(".main-svg").first().waitFor();
    await expect(chart.locator(".bars .point").count()).resolves.toBe(5);
    await chart.scrollIntoViewIfNeeded();
    await screenshot(page, "02-verdict-output-and-chart");
  });

  it("shows a blocked cell's finding with rule, message, position, hint and the SQL checked", async () => {
    const dialog = await openDetails(page, 1);
    await expect(dialog.locator(".jp-Dialog-header").textContent()).resolves.toContain("StreamLink verdict: refused (policy)");
    const cells = await dialog.locator(".sl-Details-findings tbody td").allTextContents();
    expect(cells).toEqual([
      "error",
      "security.file-access",
      "read_csv reads a file outside the connection's catalog",
      "line 1, column 15",
      "Query the tables of the connection; register files with %connect instead.",
    ]);
    await expect(dialog.locator(".sl-Details-sql").first().textContent()).resolves.toBe("SELECT * FROM read_csv('/etc/passwd')");
    await screenshot(page, "03-details-blocked");
    await closeDetails(page);
  });

  it("shows the question, the generated SQL, what ran and the provenance of an %%ask cell", async () => {
    const dialog = await openDetails(page, 3);
    const text = (await dialog.locator(".sl-Details").textContent()) ?? "";
    expect(text).toContain("Which five companies filed the most patents since 2015?");
    await expect(dialog.getByRole("heading", { name: "The generated SQL (checked)" }).isVisible()).resolves.toBe(true);
    await expect(dialog.locator(".sl-Details-sql").nth(1).textContent()).resolves.toMatch(/LIMIT 10000$/);
    const provenance = await dialog.locator(".sl-Details-section", { hasText: "Provenance" }).locator("dd").allTextContents();
    expect(provenance).toEqual([
      "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
      "3f5c0e7a2b9d41c6a8e0f7b1d2c3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1",
      "nl2sql/1",
      "2",
      "14 ms",
      "5.48 s",
      "6 ms",
    ]);
    await dialog.locator(".sl-Details-section", { hasText: "Provenance" }).scrollIntoViewIfNeeded();
    await screenshot(page, "04-details-ask-provenance");
    await closeDetails(page);
  });

  it("copies a verdict from the outputs into the cell metadata, and it persists through save and reload", async () => {
    expect((await savedCells(lab))[1]?.metadata.streamlink).toBeUndefined();
    await codeCells(page).first().click();
    await save(page, lab, NAME);
    const saved = await savedCells(lab);
    expect(saved[1]?.metadata.streamlink?.verdict.verdict).toBe("allow");
    expect(saved[1]?.metadata.streamlink?.cellSource).toBe([saved[1]?.source].flat().join(""));
    await openNotebook(page, lab, NAME);
    await waitForBadges(page, SAVED);
    await screenshot(page, "05-reloaded-badges");
  });

  it("marks an edited cell stale, in the summary too, and keeps it stale after save and reload", async () => {
    const editor = codeCells(page).first().locator(".cm-content");
    await editor.click();
    await page.keyboard.press("Control+End");
    await page.keyboard.type("\nLIMIT 3");
    await waitForBadges(page, ["stale: allowed", ...SAVED.slice(1)]);
    await expect(summary(page).textContent()).resolves.toBe("StreamLink: 1 allowed (1 with warnings) · 2 blocked · 1 stale");
    const dialog = await openDetails(page, 0);
    await expect(dialog.locator(".sl-Details-stale").isVisible()).resolves.toBe(true);
    await screenshot(page, "06-stale-details");
    await closeDetails(page);
    await screenshot(page, "07-stale-badge");
    await save(page, lab, NAME);
    await openNotebook(page, lab, NAME);
    await waitForBadges(page, ["stale: allowed", ...SAVED.slice(1)]);
  });

  it("hides allowed badges when turned off in the settings editor, keeping stale, warning and blocked ones", async () => {
    await page.locator(".lm-MenuBar-itemLabel", { hasText: /^Settings$/ }).click();
    await page.locator(".lm-Menu-itemLabel", { hasText: /^Settings Editor$/ }).click();
    await page.locator(".jp-PluginList").getByText("StreamLink verdicts", { exact: true }).click();
    // The form's checkbox is drawn by its label (the input itself is visually hidden), so click what users see.
    const showAllowed = page.getByRole("checkbox", { name: "Show badges on allowed cells" });
    const showAllowedLabel = page.getByText("Show badges on allowed cells", { exact: true });
    // On a busy machine the editor can still be loading plugins' settings when the entry is clicked, and draw its
    // panel again after: wait until the list holds our plugin selected and its form shows, as a user would look.
    await page.locator(".jp-PluginList-entry.jp-mod-selected", { hasText: "StreamLink verdicts" }).waitFor();
    await page.locator(".jp-SettingsPanel").getByText("Show the notebook summary", { exact: true }).waitFor();
    await showAllowedLabel.waitFor({ state: "visible" });
    await showAllowedLabel.click();
    await expect(showAllowed.isChecked()).resolves.toBe(false);
    await screenshot(page, "08-settings-editor");
    await page.locator(".lm-TabBar-tab", { hasText: NAME }).click();
    // The edited cell keeps its badge: a stale verdict is news.
    await waitForBadges(page, ["stale: allowed", ...SAVED.slice(1)]);
    await codeCells(page).first().locator(".cm-content").click();
    await page.keyboard.press("Control+End");
    for (let i = 0; i < "\nLIMIT 3".length; i++) await page.keyboard.press("Backspace");
    await waitForBadges(page, [null, ...SAVED.slice(1)]);
    await screenshot(page, "09-setting-hides-allowed");
    await save(page, lab, NAME);
    await page.locator(".lm-TabBar-tab", { hasText: "Settings" }).click();
    await showAllowedLabel.click();
    await expect(showAllowed.isChecked()).resolves.toBe(true);
    await page.locator(".lm-TabBar-tab", { hasText: NAME }).click();
    await waitForBadges(page, SAVED);
  });

  it("keeps badge text readable (WCAG AA contrast) in the light and the dark theme", async () => {
    // The fixture as saved, so that this test reads the same badges whatever the tests before it left.
    const fixture = JSON.parse(await readFile(FIXTURE, "utf8")) as unknown;
    const restored = await lab.api("PUT", `/api/contents/${encodeURIComponent(NAME)}`, { type: "notebook", format: "json", content: fixture });
    expect(restored.ok).toBe(true);
    await lab.setSettings("streamlink-extension:plugin", {});
    for (const theme of ["JupyterLab Light", "JupyterLab Dark"]) {
      await lab.setSettings("@jupyterlab/apputils-extension:themes", { theme });
      await openNotebook(page, lab, NAME);
      await page.waitForFunction((t) => document.body.dataset["jpThemeName"] === t, theme);
      await waitForBadges(page, SAVED);
      const ratios = await badgeContrasts(page);
      expect(ratios).toHaveLength(4);
      for (const ratio of ratios) expect(ratio).toBeGreaterThanOrEqual(4.5);
      await screenshot(page, `10-theme-${theme.split(" ")[1]!.toLowerCase()}`);
    }
  });
});
