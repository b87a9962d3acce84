/**
 * What File > Save and Export As > HTML makes of our outputs with "Sanitize HTML" ticked (JupyterLab's default):
 * the same nbconvert exporter with `sanitize_html`, on a notebook holding the outputs the kernel publishes.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { tableFromArrays } from "apache-arrow";
import { afterAll, describe, expect, it } from "vitest";
import { bundlesFor, type MimeBundle } from "../../kernel/display.js";
import { DEFAULT_CONFIG } from "../../session/config.js";
import { VENV_BIN } from "../support/paths.js";

const run = promisify(execFile);

function notebookOf(bundles: readonly MimeBundle[]): string {
  const outputs = bundles.map((b) => ({ output_type: "display_data", data: b.data, metadata: b.metadata }));
  return JSON.stringify({
    cells: [{ cell_type: "code", execution_count: 1, id: "c1", metadata: {}, source: "%%sql --plot bar assignee n\nSELECT …", outputs }],
    metadata: { kernelspec: { name: "streamlink", display_name: "StreamLink (TypeScript)", language: "typescript" } },
    nbformat: 4,
    nbformat_minor: 5,
  });
}

describe("an HTML export with sanitizing on", () => {
  let folder = "";
  afterAll(async () => {
    if (folder) await rm(folder, { recursive: true, force: true });
  });

  it("keeps the result table, its footer, the explanation and the chart (as an image)", async () => {
    const table = tableFromArrays({ assignee: ["Intel Corporation", "NVIDIA <Corp>"], n: Int32Array.from([12, 7]) });
    table.schema.fields.forEach((f, i) => f.metadata.set("streamlink.sql_type", ["VARCHAR", "INTEGER"][i] as string));
    const bundles = [
      ...bundlesFor({ kind: "explanation", explanation: { sentence: "Counts rows per assignee from patents.", complete: true } }, DEFAULT_CONFIG),
      ...bundlesFor({ kind: "result", table, truncated: false, maxRows: 100, elapsedMs: 4, engine: "duckdb", chart: { kind: "bar", x: "assignee", y: "n" } }, DEFAULT_CONFIG),
    ];
    folder = await mkdtemp(path.join(tmpdir(), "streamlink-export-"));
    const file = path.join(folder, "report.ipynb");
    await writeFile(file, notebookOf(bundles));
    const exported = async (sanitize: boolean): Promise<string> =>
      (await run(path.join(VENV_BIN, "jupyter"), ["nbconvert", "--to", "html", "--stdout", `--HTMLExporter.sanitize_html=${sanitize ? "True" : "False"}`, file], { maxBuffer: 64 * 1024 * 1024 })).stdout;
    for (const html of [await exported(true), await exported(false)]) {
      // Nothing of ours shows as escaped markup (what a reader would see as text such as "<thead>").
      expect(html).not.toMatch(/&lt;(table|thead|tr|td|th|p|small|svg|div|b|i)[\s&]/);
      expect(html).toMatch(/<pre class="streamlink-table"><code>assignee \(VARCHAR\) +\| n \(INTEGER\)\n[-+]+\nIntel Corporation +\| 12\nNVIDIA &lt;Corp&gt; +\| 7<\/code><\/pre>/);
      expect(html).toMatch(/<div class="streamlink-footer"><i>2 rows × 2 columns · 4\.0 ms on duckdb<\/i><\/div>/);
      expect(html).toContain("<b>What this query does:</b> Counts rows per assignee from patents.");
      expect(html).toMatch(/<img [^>]*src="data:image\/svg\+xml;base64,[A-Za-z0-9+/=]+"/);
    }
  }, 60_000);
});
