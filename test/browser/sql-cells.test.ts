/**
 * SQL cells as a user sees them in Chromium: a `%%sql` body is highlighted as SQL (an `%%ask` question as plain
 * text), and Tab after `SELECT ` in a cell reading `FROM patents` pops up that table's columns from the kernel.
 * Screenshots go to test-results/browser/.
 */
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Lab, REPO, assertPrerequisites, startChromium } from "./lab.js";
import { codeCells, openNotebook, runCell, screenshot } from "./notebook.js";

const NAME = "sql-cells.ipynb";
const KERNEL = "StreamLink (TypeScript)";

/** The colour of each word the editor of a code cell shows, as painted (CodeMirror wraps highlighted words in spans). */
async function wordColours(page: Page, codeCellIndex: number): Promise<{ word: string; colour: string; keyword: string }[]> {
  return codeCells(page).nth(codeCellIndex).locator(".cm-content").evaluate((content) => {
    const probe = document.createElement("span");
    probe.style.color = "var(--jp-mirror-editor-keyword-color)";
    content.appendChild(probe);
    const keyword = getComputedStyle(probe).color;
    probe.remove();
    return [...content.querySelectorAll(".cm-line span")].map((span) => ({ word: span.textContent ?? "", colour: getComputedStyle(span).color, keyword }));
  });
}

describe("SQL in magic cells", () => {
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

  it("highlights a %%sql body as SQL and leaves an %%ask question plain", async () => {
    const keywordsOf = async (index: number): Promise<string[]> =>
      (await wordColours(page, index)).filter((w) => w.colour === w.keyword).map((w) => w.word.toUpperCase());
    await expect.poll(() => keywordsOf(1), { timeout: 20_000 }).toEqual(expect.arrayContaining(["SELECT", "FROM", "WHERE", "ORDER", "BY"]));
    // Under the kernel's TypeScript mode, "in" of the question was painted as a keyword.
    expect(await keywordsOf(2)).toEqual([]);
    expect((await wordColours(page, 2)).map((w) => w.word)).not.toContain("in");
    await screenshot(page, "21-sql-highlighted");
  });

  it("pops up a column of the FROM table, beside the engine's functions, when completing after SELECT", async () => {
    await runCell(page, 0, KERNEL);
    const editorLine = codeCells(page).nth(3).locator(".cm-line").nth(1);
    await editorLine.click();
    await page.keyboard.press("Home");
    for (let i = 0; i < "SELECT ".length; i++) await page.keyboard.press("ArrowRight");
    await page.keyboard.type("ti");
    await page.keyboard.press("Tab");
    const items = page.locator(".jp-Completer .jp-Completer-item");
    await items.first().waitFor({ timeout: 20_000 });
    // JupyterLab orders the popup alphabetically; the kernel's order (FROM columns first) is for other front ends.
    const labels = await page.locator(".jp-Completer .jp-Completer-match").allTextContents();
    expect(labels).toContain("title");
    expect(labels).toContain("time_bucket");
    await screenshot(page, "22-sql-completion");
  });
});
