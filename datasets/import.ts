/**
 * `streamlink data import …`: stage one source into `OUT/.import/<source-id>/`, then rebuild the canonical Parquet
 * files in `OUT/` from every source staged there so far (see canonical.ts for the merge rule).
 */
import { createHash } from "node:crypto";
import { mkdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { UsageError } from "../core/errors.js";
import { ParquetWorkbench } from "../engines/duckdb/writer.js";
import { quotedString } from "../core/sql-text.js";
import {
  CANONICAL_ORDER,
  CANONICAL_TABLES,
  type CanonicalTable,
  STAGED_CPC_COLUMNS,
  STAGED_INVENTOR_COLUMNS,
  STAGED_PATENT_COLUMNS,
  STAGED_TABLES,
  type StagedSource,
  canonicalSelect,
  mergeStatements,
} from "./canonical.js";
import { stageGooglePatents } from "./google-patents.js";
import { type StageCounts, scanPatentsViewFolder, stagePatentsViewBulk, stagePatentsViewQuery } from "./patentsview.js";

export type SourceKind = "patentsview-bulk" | "patentsview-query" | "google-patents";

export interface ImportOptions {
  /** Folder that receives patents.parquet, patent_cpc.parquet, patent_inventors.parquet (and `.import/`). */
  readonly outDir: string;
  /** DuckDB memory limit for the merge; it spills to `OUT/.import/tmp` beyond it. */
  readonly memoryLimit?: string;
  readonly threads?: number;
}

interface ManifestEntry {
  readonly id: string;
  readonly kind: SourceKind;
  readonly inputs: readonly string[];
  readonly counts: StageCounts;
}

interface Manifest {
  readonly version: 1;
  readonly sources: readonly ManifestEntry[];
}

/** What an import did, for the CLI to print. */
export interface ImportReport {
  readonly staged: readonly ManifestEntry[];
  /** Every source now merged into the output (earlier imports included). */
  readonly sources: readonly ManifestEntry[];
  readonly rows: Readonly<Record<CanonicalTable, number>>;
  /** Publications whose sources disagreed on a field (the higher-ranked value was kept). */
  readonly conflicts: number;
  /** Publications no source gave a title (written as ''), and those without any publication date (not written). */
  readonly untitled: number;
  readonly undated: number;
}

const STAGE_DIR = ".import";

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function readManifest(path: string): Promise<Manifest> {
  if (!(await exists(path))) return { version: 1, sources: [] };
  const parsed = JSON.parse(await readFile(path, "utf8")) as Manifest;
  if (parsed.version !== 1 || !Array.isArray(parsed.sources)) {
    throw new UsageError(`${path} is not a StreamLink import manifest.`, "Delete the .import folder in the output folder and import every source again.", { path });
  }
  return parsed;
}

function sourceId(kind: SourceKind, inputs: readonly string[]): string {
  return `${kind}-${createHash("sha256").update(inputs.join("\n")).digest("hex").slice(0, 12)}`;
}

type Stager = (bench: ParquetWorkbench) => Promise<StageCounts>;

async function runImport(jobs: readonly { kind: SourceKind; inputs: readonly string[]; stage: Stager }[], options: ImportOptions): Promise<ImportReport> {
  const out = resolve(options.outDir);
  const stageRoot = join(out, STAGE_DIR);
  await mkdir(join(stageRoot, "tmp"), { recursive: true });
  const manifestPath = join(stageRoot, "manifest.json");
  let manifest = await readManifest(manifestPath);
  const workDb = join(stageRoot, `work-${process.pid}.duckdb`);
  const bench = await ParquetWorkbench.open({
    databasePath: workDb,
    memoryLimit: options.memoryLimit ?? "2GB",
    threads: options.threads ?? 2,
    tempDirectory: join(stageRoot, "tmp"),
  });
  const staged: ManifestEntry[] = [];
  try {
    for (const job of jobs) {
      await bench.createTable(STAGED_TABLES.patents, STAGED_PATENT_COLUMNS).then((s) => s.close());
      await bench.createTable(STAGED_TABLES.cpc, STAGED_CPC_COLUMNS).then((s) => s.close());
      await bench.createTable(STAGED_TABLES.inventors, STAGED_INVENTOR_COLUMNS).then((s) => s.close());
      const counts = await job.stage(bench);
      const entry: ManifestEntry = { id: sourceId(job.kind, job.inputs), kind: job.kind, inputs: job.inputs, counts };
      const dir = join(stageRoot, entry.id);
      await mkdir(dir, { recursive: true });
      for (const [file, table] of Object.entries(STAGED_TABLES)) {
        await bench.copyToParquet(`SELECT * FROM ${table}`, join(dir, `${file}.parquet`));
      }
      // a re-imported source keeps its place in the merge order
      const at = manifest.sources.findIndex((s) => s.id === entry.id);
      const sources = [...manifest.sources];
      if (at >= 0) sources[at] = entry;
      else sources.push(entry);
      manifest = { version: 1, sources };
      await writeFile(manifestPath, JSON.stringify(manifest, null, 1));
      staged.push(entry);
    }

    const stagedSources: StagedSource[] = manifest.sources.map((s, seq) => ({
      seq,
      patents: join(stageRoot, s.id, "patents.parquet"),
      cpc: join(stageRoot, s.id, "cpc.parquet"),
      inventors: join(stageRoot, s.id, "inventors.parquet"),
    }));
    for (const sql of mergeStatements(stagedSources, quotedString)) await bench.run(sql);
    const rows: Partial<Record<CanonicalTable, number>> = {};
    for (const table of CANONICAL_TABLES) {
      rows[table] = await bench.copyToParquet(canonicalSelect(table), join(out, `${table}.parquet`), { orderBy: CANONICAL_ORDER[table] });
    }
    const [q] = await bench.query(`SELECT count(*) FILTER (WHERE conflicts > 0)::INTEGER AS conflicts, count(*) FILTER (WHERE no_title)::INTEGER AS untitled,
      count(*) FILTER (WHERE publication_date IS NULL)::INTEGER AS undated FROM m_patents`);
    return {
      staged,
      sources: manifest.sources,
      rows: { patents: rows.patents ?? 0, patent_cpc: rows.patent_cpc ?? 0, patent_inventors: rows.patent_inventors ?? 0 },
      conflicts: Number(q?.["conflicts"] ?? 0),
      untitled: Number(q?.["untitled"] ?? 0),
      undated: Number(q?.["undated"] ?? 0),
    };
  } finally {
    bench.close();
    await rm(workDb, { force: true });
    await rm(`${workDb}.wal`, { force: true });
    await rm(join(stageRoot, "tmp"), { recursive: true, force: true });
  }
}

/** Imports a PatentsView folder (bulk tables and/or query extracts) and rebuilds the canonical files in `outDir`. */
export async function importPatentsView(dir: string, options: ImportOptions): Promise<ImportReport> {
  const folder = await scanPatentsViewFolder(resolve(dir));
  const jobs: { kind: SourceKind; inputs: readonly string[]; stage: Stager }[] = [];
  const { bulk } = folder;
  if (bulk !== undefined) {
    jobs.push({ kind: "patentsview-bulk", inputs: Object.values(bulk).sort(), stage: (b) => stagePatentsViewBulk(b, bulk) });
  }
  if (folder.queryExtracts.length > 0) {
    jobs.push({ kind: "patentsview-query", inputs: folder.queryExtracts, stage: (b) => stagePatentsViewQuery(b, folder.queryExtracts) });
  }
  return runImport(jobs, options);
}

/** Imports Google Patents search exports (first occurrence of an id wins, in the order given). */
export async function importGooglePatents(files: readonly string[], options: ImportOptions): Promise<ImportReport> {
  if (files.length === 0) throw new UsageError("No Google Patents export given.", "Pass one or more gp-search-*.csv files downloaded from patents.google.com.");
  const paths = files.map((f) => resolve(f));
  for (const p of paths) {
    if (!(await exists(p))) throw new UsageError(`No such file: ${p}.`, "Check the path of the Google Patents CSV export.", { path: p });
  }
  return runImport([{ kind: "google-patents", inputs: paths, stage: (b) => stageGooglePatents(b, paths) }], options);
}
