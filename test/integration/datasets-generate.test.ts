/**
 * The generator's output obeys schema.sql (keys, NOT NULL, types, child→parent), keeps the real sample's null rates
 * and assignee skew, comes out sorted by publication date with row-group statistics, and is the same for a seed
 * whatever the chunking.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CANONICAL_TABLES } from "../../datasets/canonical.js";
import { generatePatents } from "../../datasets/generator/generate.js";
import { ParquetWorkbench } from "../../engines/duckdb/writer.js";
import { quotedString } from "../../core/sql-text.js";
import { CANONICAL } from "../support/paths.js";

let work: string;
let bench: ParquetWorkbench;
const RUNS = [
  { name: "seed 7, 30 000 rows in 3 parts", seed: 7, rows: 30_000, chunkRows: 10_000 },
  { name: "seed 8, 2 500 rows in 1 part", seed: 8, rows: 2_500, chunkRows: 1_000_000 },
] as const;

/** Rows of a generated table numbered in file order (parts by name, rows within a part). */
const numbered = (dir: string, table: string) =>
  `SELECT * EXCLUDE (filename, file_row_number), row_number() OVER (ORDER BY filename, file_row_number) AS rn
   FROM read_parquet(${quotedString(path.join(dir, table, "*.parquet"))}, filename = true, file_row_number = true)`;
const plain = (dir: string, table: string) => `read_parquet(${quotedString(path.join(dir, table, "*.parquet"))})`;

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), "sl-generate-"));
  bench = await ParquetWorkbench.open({ threads: 2 });
  for (const run of RUNS) {
    await generatePatents({ rows: run.rows, seed: run.seed, chunkRows: run.chunkRows, outDir: path.join(work, String(run.seed)), sampleDir: CANONICAL });
  }
});
afterAll(async () => {
  bench.close();
  await rm(work, { recursive: true, force: true });
});

describe.each(RUNS)("generated patents ($name)", (run) => {
  const dir = () => path.join(work, String(run.seed));

  it("load into schema.sql's tables: primary keys unique, NOT NULL columns filled, types as declared", async () => {
    const ddl = await readFile(path.join(CANONICAL, "schema.sql"), "utf8");
    const db = `s${run.seed}`;
    await bench.run(`ATTACH ':memory:' AS ${db}; USE ${db}`);
    try {
      await bench.run(ddl);
      // DuckDB enforces PRIMARY KEY and NOT NULL on insert: a duplicate or a NULL fails the statement
      for (const table of CANONICAL_TABLES) await bench.run(`INSERT INTO ${table} BY NAME SELECT * FROM ${plain(dir(), table)}`);
      const [n] = await bench.query(`SELECT (SELECT count(*) FROM patents)::INTEGER AS n`);
      expect(n?.["n"]).toBe(run.rows);
      for (const table of CANONICAL_TABLES) {
        const declared = await bench.query(`SELECT column_name, data_type FROM information_schema.columns WHERE table_catalog = '${db}' AND table_name = '${table}' ORDER BY ordinal_position`);
        const written = await bench.query(`SELECT column_name, column_type AS data_type FROM (DESCRIBE FROM ${plain(dir(), table)})`);
        expect(written).toEqual(declared);
      }
    } finally {
      await bench.run("USE memory");
      await bench.run(`DETACH ${db}`);
    }
  });

  it("every child row has its patent, and patents.cpc is the first inventional CPC entry", async () => {
    const [r] = await bench.query(`SELECT
        (SELECT count(*) FROM ${plain(dir(), "patent_cpc")} c ANTI JOIN ${plain(dir(), "patents")} p USING (publication_number))::INTEGER AS orphan_cpc,
        (SELECT count(*) FROM ${plain(dir(), "patent_inventors")} i ANTI JOIN ${plain(dir(), "patents")} p USING (publication_number))::INTEGER AS orphan_inv,
        (SELECT count(*) FROM ${plain(dir(), "patents")} p LEFT JOIN (SELECT publication_number, cpc, type FROM ${plain(dir(), "patent_cpc")} WHERE sequence = 0) c USING (publication_number)
          WHERE p.cpc IS DISTINCT FROM c.cpc OR (c.cpc IS NOT NULL AND c.type <> 'inventional'))::INTEGER AS cpc_mismatch,
        (SELECT count(*) FROM ${plain(dir(), "patent_cpc")} WHERE subclass <> left(cpc, 4) OR class <> left(cpc, 3) OR section <> left(cpc, 1))::INTEGER AS bad_hierarchy,
        (SELECT count(*) FROM ${plain(dir(), "patents")} WHERE grant_date <> publication_date OR filing_date > publication_date
          OR publication_number <> country || '-' || patent_id || coalesce('-' || kind, ''))::INTEGER AS bad_rows`);
    expect(r).toEqual({ orphan_cpc: 0, orphan_inv: 0, cpc_mismatch: 0, bad_hierarchy: 0, bad_rows: 0 });
  });

  it("has the sample's null rates and assignee skew", async () => {
    const rates = (s: string) => `SELECT avg((kind IS NULL)::INT) kind, avg((abstract IS NULL)::INT) abstract, avg((assignee IS NULL)::INT) assignee,
      avg((filing_date IS NULL)::INT) filing_date, avg((grant_date IS NULL)::INT) grant_date, avg((cpc IS NULL)::INT) cpc,
      avg((num_claims IS NULL)::INT) num_claims, avg((assignee = 'NVIDIA CORPORATION')::INT) nvidia FROM ${s}`;
    const [real] = await bench.query(rates(`read_parquet(${quotedString(path.join(CANONICAL, "patents.parquet"))})`));
    const [synthetic] = await bench.query(rates(plain(dir(), "patents")));
    // sampling error at 2 500 rows is about 1 point; 4 points would be a real difference
    for (const [col, value] of Object.entries(real ?? {})) expect(Math.abs(Number(synthetic?.[col]) - Number(value)), col).toBeLessThan(0.04);
  });

  it("is sorted by publication date across parts, with row-group min/max statistics", async () => {
    const [r] = await bench.query(`SELECT count(*)::INTEGER AS unsorted FROM (
        SELECT publication_date < lag(publication_date) OVER (ORDER BY filename, file_row_number) AS back
        FROM read_parquet(${quotedString(path.join(dir(), "patents", "*.parquet"))}, filename = true, file_row_number = true)) WHERE back`);
    expect(r?.["unsorted"]).toBe(0);
    const stats = await bench.query(`SELECT stats_min, stats_max FROM parquet_metadata(${quotedString(path.join(dir(), "patents", "*.parquet"))}) WHERE path_in_schema = 'publication_date'`);
    expect(stats.length).toBeGreaterThan(0);
    expect(stats.every((s) => typeof s["stats_min"] === "string" && typeof s["stats_max"] === "string")).toBe(true);
  });
});

describe("determinism", () => {
  it("the same seed gives the same rows in the same order with other chunking; another seed differs", async () => {
    const again = path.join(work, "again");
    await generatePatents({ rows: 30_000, seed: 7, chunkRows: 7_000, outDir: again, sampleDir: CANONICAL });
    const first = path.join(work, "7");
    for (const table of CANONICAL_TABLES) {
      const [r] = await bench.query(`SELECT count(*)::INTEGER AS n FROM (FROM (${numbered(first, table)}) EXCEPT ALL FROM (${numbered(again, table)}))`);
      expect({ table, differing: r?.["n"] }).toEqual({ table, differing: 0 });
    }
    const [d] = await bench.query(`SELECT count(*)::INTEGER AS same FROM (SELECT title, assignee FROM ${plain(first, "patents")} INTERSECT SELECT title, assignee FROM ${plain(path.join(work, "8"), "patents")})`);
    expect(Number(d?.["same"])).toBeLessThan(100);
  });

  it("refuses a bad row count and a folder that already holds data, with hints", async () => {
    await expect(generatePatents({ rows: 0, outDir: path.join(work, "zero"), sampleDir: CANONICAL })).rejects.toMatchObject({ code: "usage" });
    await expect(generatePatents({ rows: 10, outDir: path.join(work, "7"), sampleDir: CANONICAL })).rejects.toMatchObject({ code: "usage", hint: expect.stringContaining("--overwrite") });
    await expect(generatePatents({ rows: 10, outDir: path.join(work, "x"), sampleDir: path.join(work, "missing") })).rejects.toMatchObject({ code: "usage" });
  });
});
