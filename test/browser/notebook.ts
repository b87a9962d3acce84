/** What a user sees of a notebook in JupyterLab, read from the page the way they would read it. */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { Locator, Page } from "playwright-core";
import { SCREENSHOTS, type Lab } from "./lab.js";

/**
 * Opens a notebook and settles its kernel question. With `kernel`, waits for that kernel to be idle;
 * without, JupyterLab asks which kernel to start (after a few seconds) and we answer "No Kernel", as a
 * reviewer without StreamLink installed would.
 */
export async function openNotebook(page: Page, lab: Lab, name: string, kernel?: string): Promise<void> {
  await page.goto(lab.url(`/lab/tree/${name}`));
  await page.locator(".jp-NotebookPanel .jp-Cell").first().waitFor();
  if (kernel === undefined) {
    const dialog = page.locator(".jp-Dialog", { hasText: "Select Kernel" });
    await dialog.getByRole("button", { name: "No Kernel" }).click({ timeout: 60_000 });
    await dialog.waitFor({ state: "detached" });
  } else {
    await page.locator(".jp-StatusBar-Widget", { hasText: `${kernel} | Idle` }).waitFor({ timeout: 120_000 });
  }
}

/** The code cells, in order. */
export function codeCells(page: Page): Locator {
  return page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-CodeCell");
}

/** Each code cell's visible badge text, or null where it shows none. */
export async function badgeTexts(page: Page): Promise<(string | null)[]> {
  return codeCells(page).evaluateAll((cells) =>
    cells.map((cell) => {
      const row = cell.querySelector(".sl-BadgeRow");
      return row && !row.classList.contains("lm-mod-hidden") ? (row.querySelector(".sl-Badge-text")?.textContent ?? null) : null;
    }),
  );
}

/** Waits until the badges read `expected` (polling, as the kernel and the extension update asynchronously). */
export async function waitForBadges(page: Page, expected: (string | null)[], timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let seen: (string | null)[] = [];
  while (Date.now() < deadline) {
    seen = await badgeTexts(page);
    if (JSON.stringify(seen) === JSON.stringify(expected)) return;
    await page.waitForTimeout(200);
  }
  throw new Error(`Badges are ${JSON.stringify(seen)}, expected ${JSON.stringify(expected)}`);
}

export function summary(page: Page): Locator {
  return page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .sl-Summary");
}

/** Clicks a code cell's badge and returns the details dialog. */
export async function openDetails(page: Page, codeCellIndex: number): Promise<Locator> {
  await codeCells(page).nth(codeCellIndex).locator("button.sl-Badge").click();
  const dialog = page.locator(".jp-Dialog");
  await dialog.locator(".sl-Details").waitFor();
  return dialog;
}

export async function closeDetails(page: Page): Promise<void> {
  await page.locator(".jp-Dialog").getByRole("button", { name: "Close" }).click();
  await page.locator(".jp-Dialog").waitFor({ state: "detached" });
}

/** Saves a screenshot under test-results/browser/ and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: false });
  return path;
}

/** Saves the notebook with the keyboard, as a user would, and waits until the server has the new file. */
export async function save(page: Page, lab: Lab, name: string): Promise<void> {
  const modified = async (): Promise<string> => {
    const response = await lab.api("GET", `/api/contents/${encodeURIComponent(name)}?content=0`);
    return ((await response.json()) as { last_modified: string }).last_modified;
  };
  const before = await modified();
  await page.keyboard.press("Control+s");
  const deadline = Date.now() + 30_000;
  while ((await modified()) === before) {
    if (Date.now() > deadline) throw new Error(`${name} was not saved within 30 s of Ctrl+S`);
    await page.waitForTimeout(200);
  }
  await page.waitForFunction(() => document.querySelector(".lm-TabBar-tab.jp-mod-current.jp-mod-dirty") === null);
}

/** WCAG contrast ratio of each visible badge's text against its background. */
export async function badgeContrasts(page: Page): Promise<number[]> {
  return page.locator("button.sl-Badge:visible").evaluateAll((badges) => {
    const luminance = (css: string): number => {
      const [r, g, b] = (css.match(/[\d.]+/g) ?? ["0", "0", "0"]).slice(0, 3).map((v) => {
        const c = Number(v) / 255;
        return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
      }) as [number, number, number];
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    return badges.map((badge) => {
      const style = getComputedStyle(badge);
      const [hi, lo] = [luminance(style.color), luminance(style.backgroundColor)].sort((a, b) => b - a) as [number, number];
      return (hi + 0.05) / (lo + 0.05);
    });
  });
}

/**
 * Runs one code cell as a user does (select it, Ctrl+Enter: run in place) and waits until the kernel has finished it:
 * its prompt no longer shows `[*]` and the kernel is idle again.
 */
export async function runCell(page: Page, codeCellIndex: number, kernel: string, timeoutMs = 120_000): Promise<void> {
  const cell = codeCells(page).nth(codeCellIndex);
  await cell.locator(".jp-InputPrompt").click();
  await page.keyboard.press("Control+Enter");
  const prompt = cell.locator(".jp-InputPrompt");
  await prompt.filter({ hasText: "[*]" }).waitFor({ timeout: 10_000 }).catch(() => undefined);
  await prompt.filter({ hasNotText: "[*]" }).waitFor({ timeout: timeoutMs });
  await page.locator(".jp-StatusBar-Widget", { hasText: `${kernel} | Idle` }).waitFor({ timeout: timeoutMs });
}
