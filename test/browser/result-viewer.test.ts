/**
 * The result viewer as a user meets it in Chromium: a %%sql result of 50 rows shows its first 20 with Next and
 * Previous; Next shows rows 21–40 read from the engine; a header click sorts on the engine (highest first on the
 * second click); Download CSV and Download Parquet save the whole result. Screenshots go to test-results/browser/.
 */
import { copyFile, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSession } from "../../kernel/compose.js";
import { Lab, REPO, assertPrerequisites, startChromium } from "./lab.js";
import { codeCells, openNotebook, runCell, screenshot } from "./notebook.js";

const NAME = "result-viewer.ipynb";
const KERNEL = "StreamLink (TypeScript)";

describe("the result viewer", () => {
  let lab: Lab;
  let page: Page;
  let closeBrowser: () => Promise<void>;
  const viewer = (): ReturnType<Page["locator"]> => codeCells(page).nth(1).locator(".sl-Table");
  const firstColumn = (): Promise<string[]> => viewer().locator("tbody tr td:first-child").allTextContents();

  beforeAll(async () => {
    assertPrerequisites();
    lab = await Lab.start({ notebooks: [join(REPO, "notebooks/fixtures", NAME)], kernels: ["streamlink"], links: { data: join(REPO, "notebooks/data") } });
    ({ page, close: closeBrowser } = await startChromium());
    await openNotebook(page, lab, NAME, KERNEL);
    await runCell(page, 0, KERNEL);
    await runCell(page, 1, KERNEL);
  });

  afterAll(async () => {
    await closeBrowser?.();
    await lab?.stop();
  });

  it("pages on the engine with Next and Previous, showing where it is", async () => {
    await expect.poll(() => viewer().locator(".sl-Table-range").textContent()).toBe("rows 1–20 of 50");
    const first = await firstColumn();
    expect(first).toHaveLength(20);
    expect(await viewer().locator("th").allTextContents()).toEqual(["publication_numberVARCHAR", "countryVARCHAR", "grant_dateDATE"]);
    await viewer().getByRole("button", { name: "Next ▶" }).click();
    await expect.poll(() => viewer().locator(".sl-Table-range").textContent()).toBe("rows 21–40 of 50");
    const second = await firstColumn();
    expect(second).toHaveLength(20);
    // The next page follows the first in the query's own order.
    expect([...first, ...second]).toEqual([...first, ...second].sort());
    expect(second[0]! > first[19]!).toBe(true);
    await screenshot(page, "27-viewer-page-2");
    await viewer().getByRole("button", { name: "◀ Previous" }).click();
    await expect.poll(firstColumn).toEqual(first);
  });

  it("sorts on the engine by a header click, lowest first, then highest first", async () => {
    await viewer().locator("th", { hasText: "publication_number" }).click();
    await expect.poll(() => viewer().locator("th").first().textContent()).toContain("▲");
    const ascending = await firstColumn();
    await viewer().locator("th", { hasText: "publication_number" }).click();
    await expect.poll(() => viewer().locator("th").first().textContent()).toContain("▼");
    const descending = await firstColumn();
    expect(descending).toEqual([...descending].sort().reverse());
    // Highest first over all 50 rows, not only the 20 shown: the engine sorted the whole result.
    expect(descending[0]! > ascending[19]!).toBe(true);
    expect(await viewer().locator(".sl-Table-range").textContent()).toBe("rows 1–20 of 50");
    await screenshot(page, "28-viewer-sorted");
  });

  it("downloads the whole result as CSV", async () => {
    const [download] = await Promise.all([page.waitForEvent("download"), viewer().getByRole("button", { name: "Download CSV" }).click()]);
    expect(download.suggestedFilename()).toBe("result.csv");
    const lines = (await readFile(await download.path(), "utf8")).trimEnd().split("\r\n");
    expect(lines[0]).toBe("publication_number,country,grant_date");
    expect(lines).toHaveLength(51);
    await screenshot(page, "29-viewer-downloaded");
  });

  it("downloads the whole result as a Parquet file that reads back with the same rows", async () => {
    const [download] = await Promise.all([page.waitForEvent("download"), viewer().getByRole("button", { name: "Download Parquet" }).click()]);
    expect(download.suggestedFilename()).toBe("result.parquet");
    const folder = await mkdtemp(join(tmpdir(), "streamlink-viewer-"));
    const session = createSession();
    try {
      await copyFile(await download.path(), join(folder, "result.parquet"));
      await session.connect({ kind: "duckdb", target: folder, name: "downloaded" });
      const { table } = (await session.run("SELECT count(*) AS n, count(DISTINCT publication_number) AS ids FROM result")).result;
      expect([Number(table.getChildAt(0)?.get(0)), Number(table.getChildAt(1)?.get(0))]).toEqual([50, 50]);
      expect(table.numRows).toBe(1);
      const columns = (await session.run("SELECT * FROM result LIMIT 1")).result.table.schema.fields.map((f) => f.name);
      expect(columns).toEqual(["publication_number", "country", "grant_date"]);
    } finally {
      await session.close();
      await rm(folder, { recursive: true, force: true });
    }
  });
});
