import { execFile } from "node:child_process";
import { readdirSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { VERDICT_MIME, type VerdictBundle } from "../../core/verdict.js";
import { REPO, VENV_BIN } from "../support/paths.js";

const run = promisify(execFile);
const NOTEBOOKS = path.join(REPO, "notebooks");

interface Output {
  output_type: string;
  name?: string;
  text?: string | string[];
  ename?: string;
  evalue?: string;
  data?: Record<string, unknown>;
}
interface Cell { cell_type: string; source: string | string[]; outputs?: Output[]; metadata: { tags?: string[] } }

const text = (value: unknown): string => (Array.isArray(value) ? value.join("") : String(value ?? ""));
const source = (cell: Cell): string => text(cell.source);

/** Executes a notebook headlessly through the streamlink kernelspec, as `jupyter nbconvert --execute` does. */
async function execute(notebook: string, outDir: string): Promise<Cell[]> {
  await run(path.join(VENV_BIN, "jupyter"), [
    "nbconvert", "--to", "notebook", "--execute", "--ExecutePreprocessor.timeout=900",
    "--ExecutePreprocessor.kernel_name=streamlink", "--output-dir", outDir, path.join(NOTEBOOKS, notebook),
  ], { cwd: NOTEBOOKS, env: { ...process.env, PATH: `${VENV_BIN}:${process.env.PATH ?? ""}` }, maxBuffer: 64 * 1024 * 1024 });
  const nb = JSON.parse(await readFile(path.join(outDir, notebook), "utf8")) as { cells: Cell[] };
  return nb.cells;
}

function cellWith(cells: readonly Cell[], fragment: string): Cell {
  const cell = cells.find((c) => c.cell_type === "code" && source(c).includes(fragment));
  if (!cell) throw new Error(`no cell contains ${fragment}`);
  return cell;
}

const outputsText = (cell: Cell): string =>
  (cell.outputs ?? []).map((o) => text(o.text) + text(o.data?.["text/plain"]) + text(o.data?.["text/html"]) + (o.evalue ?? "")).join("\n");

describe("every notebook in notebooks/ executes through the streamlink kernel", () => {
  let outDir: string;
  beforeAll(async () => { outDir = await mkdtemp(path.join(tmpdir(), "sl-nb-")); });
  afterAll(async () => { await rm(outDir, { recursive: true, force: true }); });

  it("01-quickstart: %%sql, --out in TypeScript, a chart, a blocked write, then the next cell", async () => {
    const cells = await execute("01-quickstart.ipynb", outDir);
    expect(outputsText(cellWith(cells, "%connect duckdb data/patents"))).toMatch(/patent_cpc, patent_inventors, patents/);
    const top = cellWith(cells, "--out top");
    expect(outputsText(top)).toMatch(/G06T15\/005/);
    expect(outputsText(top)).toMatch(/10 rows × 2 columns/);
    const verdict = (top.outputs ?? []).map((o) => o.data?.[VERDICT_MIME]).find(Boolean) as VerdictBundle | undefined;
    expect(verdict?.verdict.verdict).toBe("allow");
    expect(outputsText(cellWith(cells, "top.numRows"))).toMatch(/10 \[ 'cpc', 'n' \]/);
    const chart = cellWith(cells, "--plot bar");
    expect((chart.outputs ?? []).some((o) => o.data?.["application/vnd.plotly.v1+json"] !== undefined)).toBe(true);
    const drop = cellWith(cells, "DROP TABLE");
    const error = (drop.outputs ?? []).find((o) => o.output_type === "error");
    expect(error?.ename).toBe("BlockedQueryError");
    expect(outputsText(cellWith(cells, "count(DISTINCT assignee)"))).toMatch(/14,?684/);
  });

  // Each other notebook is its own test: the %%ask cells run the real local model, minutes on two cores.
  // 04-spark needs a cluster; test/spark/notebook.test.ts runs it with one.
  const others = readdirSync(NOTEBOOKS).filter((f) => f.endsWith(".ipynb") && !["01-quickstart.ipynb", "04-spark.ipynb"].includes(f)).sort();
  for (const notebook of others) {
    it(`${notebook} runs without an unexpected error`, { timeout: 1_200_000 }, async () => {
      const cells = await execute(notebook, outDir);
      for (const cell of cells.filter((c) => c.cell_type === "code")) {
        // As in nbconvert, the `raises-exception` tag allows an error (a blocked request shown on purpose).
        if (cell.metadata.tags?.includes("raises-exception")) continue;
        const errors = (cell.outputs ?? []).filter((o) => o.output_type === "error");
        expect(errors.map((e) => `${e.ename}: ${e.evalue}`), `${notebook}: ${source(cell).slice(0, 80)}`).toEqual([]);
      }
    });
  }
});
