/**
 * Importing the real raw samples reproduces the canonical files exactly (rows, values, types, order), whichever order
 * the sources are imported in; the CLI reports what it did and refuses bad input with a hint.
 */
import { mkdir, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../cli/main.js";
import { CANONICAL_TABLES } from "../../datasets/canonical.js";
import { importGooglePatents, importPatentsView } from "../../datasets/import.js";
import { ParquetWorkbench } from "../../engines/duckdb/writer.js";
import { quotedString } from "../../core/sql-text.js";
import { CANONICAL, SHARED_DATA } from "../support/paths.js";

const RAW = path.join(SHARED_DATA, "patents", "raw");
const NVIDIA = path.join(RAW, "patentsview_nvidia_subset");
const QUERY = path.join(RAW, "patentsview_neural_network_query");
const GOOGLE = path.join(RAW, "google_patents_search_exports");

let work: string;
let bench: ParquetWorkbench;
let googleFiles: string[];

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), "sl-import-"));
  bench = await ParquetWorkbench.open({ threads: 2 });
  googleFiles = (await readdir(GOOGLE)).filter((f) => f.endsWith(".csv")).sort().map((f) => path.join(GOOGLE, f));
});
afterAll(async () => {
  bench.close();
  await rm(work, { recursive: true, force: true });
});

/** Rows in one file and not the other (both directions, with multiplicity), row-order mismatches, and the schemas. */
async function compare(dir: string, table: string) {
  const mine = `read_parquet(${quotedString(path.join(dir, `${table}.parquet`))})`;
  const gold = `read_parquet(${quotedString(path.join(CANONICAL, `${table}.parquet`))})`;
  const [diff] = await bench.query(`SELECT
      (SELECT count(*) FROM (FROM ${mine} EXCEPT ALL FROM ${gold}))::INTEGER AS extra,
      (SELECT count(*) FROM (FROM ${gold} EXCEPT ALL FROM ${mine}))::INTEGER AS missing,
      (SELECT count(*) FROM ${mine})::INTEGER AS rows`);
  const [order] = await bench.query(`SELECT count(*)::INTEGER AS misplaced FROM
      (SELECT row_number() OVER () AS rn, publication_number FROM ${mine}) a
      JOIN (SELECT row_number() OVER () AS rn, publication_number FROM ${gold}) b USING (rn)
      WHERE a.publication_number <> b.publication_number`);
  const schema = async (src: string) => (await bench.query(`SELECT column_name, column_type FROM (DESCRIBE FROM ${src})`)).map((r) => `${r["column_name"]} ${r["column_type"]}`);
  return { extra: diff?.["extra"], missing: diff?.["missing"], misplaced: order?.["misplaced"], schema: await schema(mine), goldSchema: await schema(gold) };
}

describe("data import reproduces the canonical patents database", () => {
  it("in the documented source order", async () => {
    const out = path.join(work, "forward");
    await importPatentsView(NVIDIA, { outDir: out });
    await importPatentsView(QUERY, { outDir: out });
    const report = await importGooglePatents(googleFiles, { outDir: out });
    expect(report.rows).toEqual({ patents: 14684, patent_cpc: 29580, patent_inventors: 36260 });
    // the four field conflicts the canonical README lists (two assignees, a title, a grant date)
    expect(report.conflicts).toBe(4);
    expect(report.staged[0]?.counts.duplicates).toBe(819);
    for (const table of CANONICAL_TABLES) {
      const c = await compare(out, table);
      expect({ table, extra: c.extra, missing: c.missing, misplaced: c.misplaced }).toEqual({ table, extra: 0, missing: 0, misplaced: 0 });
      expect(c.schema).toEqual(c.goldSchema);
    }
  });

  it("in reverse order through the CLI, with the same result", async () => {
    const out = path.join(work, "reverse");
    const cli = async (...args: string[]) => {
      const stdout = new PassThrough();
      const stderr = new PassThrough();
      let text = "";
      let err = "";
      stdout.on("data", (d: Buffer) => (text += d.toString()));
      stderr.on("data", (d: Buffer) => (err += d.toString()));
      const code = await main(args, { stdin: new PassThrough(), stdout, stderr });
      return { code, stdout: text, stderr: err };
    };
    expect((await cli("data", "import", "google-patents", ...googleFiles, "--out", out)).code).toBe(0);
    expect((await cli("data", "import", "patentsview", QUERY, "--out", out)).code).toBe(0);
    const last = await cli("data", "import", "patentsview", NVIDIA, "--out", out);
    expect(last.code).toBe(0);
    expect(last.stdout).toContain("merged 3 source(s)");
    expect(last.stdout).toContain("patents 14684, patent_cpc 29580, patent_inventors 36260");
    for (const table of CANONICAL_TABLES) {
      const c = await compare(out, table);
      expect({ table, extra: c.extra, missing: c.missing, misplaced: c.misplaced }).toEqual({ table, extra: 0, missing: 0, misplaced: 0 });
    }
  });

  it("importing a source again replaces it instead of duplicating its rows", async () => {
    const out = path.join(work, "twice");
    await importPatentsView(QUERY, { outDir: out });
    const report = await importPatentsView(QUERY, { outDir: out });
    expect(report.sources).toHaveLength(1);
    expect(report.rows.patents).toBe(3522);
  });

  it("reads PatentsView's bulk download layout (g_*.tsv) the same way", async () => {
    const bulk = path.join(work, "bulk");
    await mkdir(bulk, { recursive: true });
    const tables = { patent: "g_patent", patent_abstract: "g_patent_abstract", assignee: "g_assignee_disambiguated", cpc: "g_cpc_current", inventor: "g_inventor_disambiguated" };
    // the first 200 NVIDIA patents and their rows in the other tables, written as PatentsView writes its TSVs
    const ids = `(SELECT patent_id FROM read_csv(${quotedString(path.join(NVIDIA, "nvidia_patent.csv"))}, all_varchar = true) ORDER BY patent_id LIMIT 200)`;
    for (const [suffix, name] of Object.entries(tables)) {
      await bench.run(`COPY (SELECT * FROM read_csv(${quotedString(path.join(NVIDIA, `nvidia_${suffix}.csv`))}, all_varchar = true) WHERE patent_id IN ${ids})
        TO ${quotedString(path.join(bulk, `${name}.tsv`))} (DELIMITER '\t', HEADER, QUOTE '"', FORCE_QUOTE *)`);
    }
    const out = path.join(work, "bulk-out");
    const report = await importPatentsView(bulk, { outDir: out });
    expect(report.rows.patents).toBe(200);
    const cols = "publication_number, kind, title, abstract, assignee, grant_date, cpc, num_claims";
    const [diff] = await bench.query(`SELECT count(*)::INTEGER AS n FROM (
      SELECT ${cols} FROM read_parquet(${quotedString(path.join(out, "patents.parquet"))})
      EXCEPT ALL SELECT ${cols} FROM read_parquet(${quotedString(path.join(CANONICAL, "patents.parquet"))}))`);
    expect(diff?.["n"]).toBe(0);
    const [cpc] = await bench.query(`SELECT count(*)::INTEGER AS n FROM (FROM read_parquet(${quotedString(path.join(out, "patent_cpc.parquet"))})
      EXCEPT ALL FROM read_parquet(${quotedString(path.join(CANONICAL, "patent_cpc.parquet"))}))`);
    expect(cpc?.["n"]).toBe(0);
  });

  it("refuses a folder without PatentsView tables, with a hint", async () => {
    await expect(importPatentsView(GOOGLE, { outDir: path.join(work, "bad") })).rejects.toMatchObject({ code: "usage", hint: expect.stringContaining("g_patent.tsv") });
    await expect(importGooglePatents([path.join(work, "nope.csv")], { outDir: path.join(work, "bad") })).rejects.toMatchObject({ code: "usage" });
  });
});
