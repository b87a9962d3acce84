/**
 * SQL cells as a user sees them in Chromium: a `%%sql` body is highlighted as SQL (an `%%ask` question as plain
 * text), Tab after `SELECT ` in a cell reading `FROM patents` pops up that table's columns from the kernel, and
 * Run All past a blocked cell leaves the cells behind it visibly not run, with nothing arriving later.
 * Screenshots go to test-results/browser/.
 */
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Lab, REPO, assertPrerequisites, startChromium } from "./lab.js";
import { codeCells, openNotebook, runCell, screenshot } from "./notebook.js";

const NAME = "sql-cells.ipynb";
const RUN_ALL = "run-all.ipynb";
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
    lab = await Lab.start({ notebooks: [NAME, RUN_ALL].map((n) => join(REPO, "notebooks/fixtures", n)), kernels: ["streamlink"], links: { data: join(REPO, "notebooks/data") } });
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

  it("wraps a long SQL output between words, never inside a name", async () => {
    const pre = codeCells(page).nth(4).locator(".jp-OutputArea-output pre").first();
    await pre.waitFor();
    // Each word's painted boxes: a word cut across two lines has boxes on two different lines.
    const split = await pre.evaluate((node) => {
      const walker = document.createTreeWalker(node, NodeFilter.SHOW_TEXT);
      const lines = new Set<number>();
      const cut: string[] = [];
      for (let t = walker.nextNode(); t; t = walker.nextNode()) {
        const value = t.nodeValue ?? "";
        for (const m of value.matchAll(/[A-Za-z_][A-Za-z0-9_.]*/g)) {
          const range = document.createRange();
          range.setStart(t, m.index);
          range.setEnd(t, m.index + m[0].length);
          const tops = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
          tops.forEach((top) => lines.add(top));
          if (tops.size > 1) cut.push(m[0]);
        }
      }
      return { cut, lines: lines.size };
    });
    expect(split.lines).toBeGreaterThan(1);
    expect(split.cut).toEqual([]);
    await codeCells(page).nth(4).scrollIntoViewIfNeeded();
    await screenshot(page, "24-long-sql-wrapped");
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

  it("Run All past a blocked cell shows the cells behind it as not run, and none runs later", async () => {
    await openNotebook(page, lab, RUN_ALL, KERNEL);
    // The status bar may still speak for the other notebook: wait until this notebook's own kernel is idle.
    const idle = async (): Promise<boolean> => {
      const sessions = (await (await lab.api("GET", "/api/sessions")).json()) as { path: string; kernel: { execution_state: string } }[];
      return sessions.some((s) => s.path.endsWith(RUN_ALL) && s.kernel.execution_state === "idle");
    };
    await expect.poll(idle, { timeout: 60_000 }).toBe(true);
    await page.getByRole("menuitem", { name: "Run" }).click();
    await page.getByRole("menuitem", { name: "Run All Cells", exact: true }).click();
    const prompts = (): Promise<string[]> => codeCells(page).locator(".jp-InputPrompt").allTextContents();
    await expect.poll(async () => (await prompts()).join(" "), { timeout: 60_000 }).toBe("[1]: [2]: [3]: [4]: [ ]: [ ]:");
    await page.locator(".jp-StatusBar-Widget", { hasText: `${KERNEL} | Idle` }).waitFor();
    const outputs = (): Promise<string[]> => codeCells(page).evaluateAll((cells) => cells.map((c) => c.querySelector(".jp-OutputArea")?.textContent ?? ""));
    const shown = await outputs();
    expect(shown[3]).toMatch(/refused \(policy\)/);
    // The result shows as a table with typed headers (the extension's renderer), not as the export's text table.
    await expect(codeCells(page).nth(1).locator(".sl-Table th").allTextContents()).resolves.toEqual(["patentsBIGINT"]);
    await expect(codeCells(page).nth(1).locator(".sl-Table-footer").textContent()).resolves.toMatch(/^1 row × 1 column · /);
    for (const later of shown.slice(4)) expect(later).toMatch(/Not run: cell \[4\] failed while this cell was waiting/);
    // The last cell would print after a 2 s pause had the kernel run it behind JupyterLab's back.
    await page.waitForTimeout(3_000);
    expect(await prompts()).toEqual(["[1]:", "[2]:", "[3]:", "[4]:", "[ ]:", "[ ]:"]);
    expect((await outputs())[5]).not.toContain("after a pause");
    await screenshot(page, "23-run-all-past-blocked");
  });

  it("File > Save and Export As > HTML with Sanitize HTML ticked keeps the table and the chart", async () => {
    // Continues in the Run All notebook: a table, a chart and a blocked cell are in its outputs.
    await page.getByRole("menuitem", { name: "File", exact: true }).click();
    await page.locator(".lm-Menu-item", { has: page.locator(".lm-Menu-itemLabel", { hasText: /^Save and Export Notebook As$/ }) }).click();
    await page.locator(".lm-Menu-item", { has: page.locator(".lm-Menu-itemLabel", { hasText: /^HTML$/ }) }).click();
    const dialog = page.locator(".jp-Dialog", { hasText: "Export as HTML" });
    await expect(dialog.getByRole("checkbox").isChecked()).resolves.toBe(true);
    await screenshot(page, "25-export-sanitize-dialog");
    // JupyterLab opens the export's URL for the download: watch every page of the browser for it.
    const requested = page.context().waitForEvent("request", (r) => r.url().includes("/nbconvert/html/"));
    await dialog.getByRole("button", { name: /ok|export/i }).click();
    const url = new URL((await requested).url());
    expect(url.searchParams.get("sanitize_html")).toBe("true");
    // The same export the browser downloads, fetched from the server with the menu's own parameters.
    const html = await (await lab.api("GET", `${url.pathname}${url.search}`)).text();
    expect(html).not.toMatch(/&lt;(table|thead|tbody|tr|th|td|p|small|svg)[\s&]/);
    expect(html).toMatch(/<pre class="streamlink-table"><code>patents \(BIGINT\)/);
    expect(html).toMatch(/<div class="streamlink-footer"><i>1 row × 1 column · /);
    expect(html).toMatch(/<img [^>]*src="data:image\/svg\+xml;base64,/);
    const exported = await page.context().newPage();
    await exported.setContent(html);
    await screenshot(exported, "26-exported-sanitized");
    await exported.close();
  });
});
