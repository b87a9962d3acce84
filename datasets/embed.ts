/**
 * `streamlink data embed`: precomputes the semantic filter's embeddings of a table's text columns, so that
 * `--similar-to` ranks inside the engine and only the top rows travel. Rows are read through the session (the
 * checked, read-only path) in key order and written as Parquet parts; a run that stops resumes after the last
 * part written.
 */
import { mkdir, readdir, rename, rm } from "node:fs/promises";
import path from "node:path";
import { joinTexts, type Embedder } from "../core/embedder.js";
import { StreamLinkError, UsageError } from "../core/errors.js";
import { quotedIdentifier, quotedString } from "../core/sql-text.js";
import { ParquetWorkbench } from "../engines/duckdb/writer.js";
import type { Session } from "../session/session.js";
import { EMBEDDING_COLUMNS, embeddingsTableName, modelTag } from "../session/similar.js";
import { findColumn, findTable } from "../core/catalog.js";

export interface EmbedOptions {
  readonly session: Session;
  readonly embedder: Embedder;
  readonly table: string;
  readonly on: readonly string[];
  /** The folder that receives `<table>_embeddings_<on>/part-NNNNN.parquet` (the data folder, to rank in the engine). */
  readonly outDir: string;
  /** Store int8 vectors (4x smaller; cosine is unchanged up to rounding) instead of FLOAT. */
  readonly int8?: boolean;
  /** Start again instead of resuming (e.g. after a model change). */
  readonly overwrite?: boolean;
  readonly chunkRows?: number;
  readonly onProgress?: (done: number, total: number, rowsPerSecond: number) => void;
}

export interface EmbedReport {
  readonly folder: string;
  readonly rows: number;
  /** Rows a previous run had already embedded. */
  readonly resumed: number;
  readonly seconds: number;
  readonly rowsPerSecond: number;
}

const KEY = EMBEDDING_COLUMNS.key;

export async function embedTable(options: EmbedOptions): Promise<EmbedReport> {
  const { session, embedder, on } = options;
  const engine = await session.engine();
  const catalog = await session.catalog(engine);
  const source = findTable(catalog, options.table);
  if (!source) throw new UsageError(`No table '${options.table}' in ${engine.target}`, `Tables: ${catalog.tables.map((t) => t.name).join(", ")}.`);
  for (const column of [KEY, ...on]) {
    const info = findColumn(source, column);
    if (!info) throw new UsageError(`Table ${source.name} has no column '${column}'`, `Columns: ${source.columns.map((c) => c.name).join(", ")}.`);
    if (column !== KEY && !info.type.startsWith("VARCHAR")) {
      throw new UsageError(`Column ${source.name}.${info.name} is ${info.type}, not text`, "Embed text columns such as title or abstract.");
    }
  }
  const name = embeddingsTableName(source.name, on);
  const folder = path.join(options.outDir, name);
  // The DuckDB copy is rewritten once the parts are complete: until then the connection reads the parts.
  const copy = path.join(options.outDir, `${name}.duckdb`);
  await rm(copy, { force: true });
  if (options.overwrite) await rm(folder, { recursive: true, force: true });
  await mkdir(folder, { recursive: true });
  const bench = await ParquetWorkbench.open({ threads: 1 });
  try {
    const parts = (await readdir(folder)).filter((f) => /^part-\d+\.parquet$/.test(f)).sort();
    let last: string | undefined;
    let resumed = 0;
    if (parts.length > 0) {
      const glob = quotedString(path.join(folder, "part-*.parquet"));
      const [row] = await bench.query(`SELECT max(${KEY}) AS last, count(*) AS n, min(model) AS lo, max(model) AS hi FROM read_parquet(${glob})`);
      if (row?.["lo"] !== modelTag(embedder) || row["hi"] !== modelTag(embedder)) {
        throw new StreamLinkError("embeddings-stale", `${folder} holds embeddings of another model (${String(row?.["lo"])}).`, "Run the command again with --overwrite to rebuild them.", { folder });
      }
      last = String(row["last"]);
      resumed = Number(row["n"]);
    }
    const columns = [KEY, ...on].map((c) => findColumn(source, c)?.name as string);
    const total = Number((await session.run(`SELECT count(*) AS n FROM ${source.name}`, { maxRows: 1 })).result.table.getChild("n")?.get(0));
    const chunk = options.chunkRows ?? 4096;
    const started = performance.now();
    let done = 0;
    for (let part = parts.length; ; part++) {
      const after = last === undefined ? "" : `WHERE ${KEY} > ${quotedString(last)} `;
      const sql = `SELECT ${columns.join(", ")} FROM ${source.name} ${after}ORDER BY ${KEY} LIMIT ${chunk}`;
      const rows = (await session.run(sql, { maxRows: chunk })).result.table;
      if (rows.numRows === 0) break;
      const keys = rows.getChildAt(0);
      const texts = Array.from({ length: rows.numRows }, (_r, r) => joinTexts(on.map((_c, c) => rows.getChildAt(c + 1)?.get(r) as string | null)));
      const vectors = await embedder.embed(texts);
      await writePart(bench, path.join(folder, `part-${String(part).padStart(5, "0")}.parquet`), rows.numRows, (r) => String(keys?.get(r)), vectors, modelTag(embedder), options.int8 ?? false);
      done += rows.numRows;
      last = String(keys?.get(rows.numRows - 1));
      const seconds = (performance.now() - started) / 1000;
      options.onProgress?.(resumed + done, total, done / seconds);
    }
    await writeDatabaseCopy(bench, folder, copy, name);
    const seconds = (performance.now() - started) / 1000;
    return { folder, rows: resumed + done, resumed, seconds, rowsPerSecond: done > 0 ? done / seconds : 0 };
  } finally {
    bench.close();
  }
}

/** One part, written beside its final name and renamed, so that a stopped run never leaves half a part. */
async function writePart(bench: ParquetWorkbench, file: string, rows: number, keyOf: (row: number) => string, vectors: readonly Float32Array[], model: string, int8: boolean): Promise<void> {
  const dims = vectors[0]?.length ?? 0;
  const sink = await bench.createTable("staged", [{ name: "k", type: "VARCHAR" }, { name: "v", type: "VARCHAR" }]);
  for (let r = 0; r < rows; r++) sink.append([keyOf(r), `[${Array.from(int8 ? quantise(vectors[r] as Float32Array) : (vectors[r] as Float32Array)).join(",")}]`]);
  sink.close();
  const type = int8 ? `TINYINT[${dims}]` : `FLOAT[${dims}]`;
  // Hidden while written: Spark skips files starting with '.', DuckDB reads only *.parquet.
  const partial = path.join(path.dirname(file), `.${path.basename(file)}.partial`);
  await bench.copyToParquet(`SELECT k AS ${quotedIdentifier(KEY)}, CAST(v AS ${type}) AS ${EMBEDDING_COLUMNS.vector}, ${quotedString(model)} AS ${EMBEDDING_COLUMNS.model} FROM staged`, partial, { compression: "zstd" });
  await bench.run("DROP TABLE staged");
  await rename(partial, file);
}

/**
 * The parts as one DuckDB table with fixed-size arrays (`FLOAT[384]` or `TINYINT[384]`), which a DuckDB connection
 * to the folder reads instead of the parts: ranking 1 M rows no longer decodes 384 M Parquet list items per query.
 * Spark keeps reading the parts. Written beside its final name and renamed, like a part.
 */
export async function writeDatabaseCopy(bench: ParquetWorkbench, folder: string, file: string, table: string): Promise<void> {
  const parts = quotedString(path.join(folder, "part-*.parquet"));
  const [row] = await bench.query(`SELECT typeof(${EMBEDDING_COLUMNS.vector}[1]) AS element, len(${EMBEDDING_COLUMNS.vector}) AS dims FROM read_parquet(${parts}) LIMIT 1`);
  if (!row) return;
  const element = String(row["element"]);
  const partial = path.join(path.dirname(file), `.${path.basename(file)}.partial`);
  await rm(partial, { force: true });
  await bench.copyToDatabase(`SELECT ${quotedIdentifier(KEY)}, CAST(${EMBEDDING_COLUMNS.vector} AS ${element}[${Number(row["dims"])}]) AS ${EMBEDDING_COLUMNS.vector}, ${EMBEDDING_COLUMNS.model} FROM read_parquet(${parts}) ORDER BY ${quotedIdentifier(KEY)}`, partial, table);
  await rename(partial, file);
}

/** int8 per vector, scaled so its largest component is ±127: cosine similarity ignores the scale. */
function quantise(vector: Float32Array): Int8Array {
  let max = 0;
  for (const v of vector) max = Math.max(max, Math.abs(v));
  return Int8Array.from(vector, (v) => (max > 0 ? Math.round((v / max) * 127) : 0));
}
