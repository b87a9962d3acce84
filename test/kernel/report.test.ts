/** `streamlink report`: one shareable HTML file from a notebook, run through the real kernel and nbconvert. */
import { execFile } from "node:child_process";
import { copyFile, mkdtemp, readFile, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { REPO, VENV_BIN } from "../support/paths.js";

const run = promisify(execFile);
const CLI = path.join(REPO, "bin", "streamlink.js");

describe("streamlink report", () => {
  let folder = "";
  afterAll(async () => {
    if (folder) await rm(folder, { recursive: true, force: true });
  });

  it("runs the notebook and writes the SQL, verdicts, plain-words explanation, tables and charts into one file", async () => {
    folder = await mkdtemp(path.join(tmpdir(), "streamlink-report-"));
    await copyFile(path.join(REPO, "notebooks/fixtures/report.ipynb"), path.join(folder, "report.ipynb"));
    await symlink(path.join(REPO, "notebooks/data"), path.join(folder, "data"));
    const out = path.join(folder, "shared", "patents.html");
    const { stdout } = await run("node", [CLI, "report", path.join(folder, "report.ipynb"), "--execute", "--out", out], {
      env: { ...process.env, PATH: `${VENV_BIN}:${process.env.PATH ?? ""}` },
    });
    expect(JSON.parse(stdout)).toEqual({ report: out });
    const html = await readFile(out, "utf8");
    // The cell's SQL as the reader sees it (the input is highlighted, word by word in spans).
    expect(html.replace(/<[^>]+>/g, "")).toContain("SELECT country, count(*) AS n FROM patents GROUP BY country ORDER BY n DESC LIMIT 3");
    expect(html).toMatch(/<p><b>Allowed<\/b>\s+by streamlink-checker\/[\d.]+ · duckdb<\/p>/);
    expect(html).toMatch(/<b>What this query does:<\/b> Counts rows per country from patents/);
    expect(html).toMatch(/<th>country<br\/?><small>VARCHAR<\/small><\/th><th>n<br\/?><small>BIGINT<\/small><\/th>/);
    expect(html).toMatch(/<tr><td>US<\/td><td>13514<\/td><\/tr>/);
    expect(html).toMatch(/<img [^>]*src="data:image\/svg\+xml;base64,/);
    // The notebook the analyst gave is left as it was (not executed in place).
    const source = JSON.parse(await readFile(path.join(folder, "report.ipynb"), "utf8")) as { cells: { outputs?: unknown[] }[] };
    expect(source.cells.every((c) => (c.outputs ?? []).length === 0)).toBe(true);
  }, 120_000);

  it("says what it needs when the notebook is missing", async () => {
    const failed = await run("node", [CLI, "report", "/nope/missing.ipynb"]).catch((e: { code: number; stderr: string }) => e);
    expect(failed).toMatchObject({ code: 2 });
    expect((failed as { stderr: string }).stderr).toMatch(/error: No notebook at \/nope\/missing\.ipynb\nhint: Give the path of an \.ipynb file\./);
  });
});
