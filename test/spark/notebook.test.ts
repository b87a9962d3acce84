/**
 * notebooks/04-spark.ipynb executed headlessly through the streamlink kernel, as a user runs it: it starts a real
 * Spark cluster, queries it with `%%sql --engine spark`, compares with DuckDB and stops the cluster.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clusterStatus, stopCluster } from "../../engines/spark/cluster/cluster.js";
import { REPO, VENV_BIN } from "../support/paths.js";

const run = promisify(execFile);
const NOTEBOOK = "04-spark.ipynb";

interface Output { output_type: string; text?: string | string[]; ename?: string; evalue?: string; data?: Record<string, unknown> }
interface Cell { cell_type: string; source: string | string[]; outputs?: Output[] }

const text = (value: unknown): string => (Array.isArray(value) ? value.join("") : String(value ?? ""));
const shown = (cell: Cell | undefined): string =>
  (cell?.outputs ?? []).map((o) => text(o.text) + text(o.data?.["text/plain"]) + (o.evalue ?? "")).join("\n");

describe("notebooks/04-spark.ipynb", () => {
  let outDir: string;
  beforeAll(async () => {
    await stopCluster();
    outDir = await mkdtemp(path.join(tmpdir(), "sl-nb-spark-"));
  });
  afterAll(async () => {
    await stopCluster();
    await rm(outDir, { recursive: true, force: true });
  });

  it("runs on a cluster it starts, matches DuckDB, blocks a file read and stops the cluster", async () => {
    const notebooks = path.join(REPO, "notebooks");
    await run(path.join(VENV_BIN, "jupyter"), [
      "nbconvert", "--to", "notebook", "--execute", "--ExecutePreprocessor.timeout=600",
      "--ExecutePreprocessor.kernel_name=streamlink", "--output-dir", outDir, path.join(notebooks, NOTEBOOK),
    ], { cwd: notebooks, env: { ...process.env, PATH: `${VENV_BIN}:${process.env["PATH"] ?? ""}` }, maxBuffer: 64 * 1024 * 1024 });
    const cells = (JSON.parse(await readFile(path.join(outDir, NOTEBOOK), "utf8")) as { cells: Cell[] }).cells;
    const cell = (fragment: string): Cell | undefined => cells.find((c) => c.cell_type === "code" && text(c.source).includes(fragment));

    expect(shown(cell("spark\", \"status\""))).toMatch(/Spark cluster ready in [\d.]+ s: thrift:\/\/127\.0\.0\.1:10000/);
    expect(shown(cell("%connect spark"))).toMatch(/4 table\(s\): patent_cpc, patent_inventors, patents, patents_embeddings_title_abstract/);
    expect(shown(cell("--out by_country\n"))).toMatch(/US\s*\|\s*13,?514/);
    const chart = cell("--plot line year inventors");
    expect((chart?.outputs ?? []).some((o) => o.data?.["application/vnd.plotly.v1+json"] !== undefined)).toBe(true);
    expect(shown(cell("same rows on Spark and DuckDB"))).toContain("same rows on Spark and DuckDB: true");
    const blocked = (cell("parquet.`/etc/passwd`")?.outputs ?? []).find((o) => o.output_type === "error");
    expect(blocked?.ename).toBe("BlockedQueryError");
    for (const c of cells.filter((x) => x.cell_type === "code" && !text(x.source).includes("/etc/passwd"))) {
      expect((c.outputs ?? []).filter((o) => o.output_type === "error"), text(c.source).slice(0, 60)).toEqual([]);
    }
    expect(shown(cell("spark\", \"stop\""))).toMatch(/Stopped \d+ Spark process/);
    expect((await clusterStatus()).running).toBe(false);
  }, 900_000);
});
