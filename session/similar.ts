/**
 * The paper's semantic filter: the rows a checked query returned, ranked by similarity to a text. Where the
 * connection holds precomputed embeddings for the rows (`streamlink data embed`), the engine ranks and only the
 * top rows travel; otherwise the returned rows are embedded here, in batches, with a cache by text hash.
 * `%%sql`, `%%ask`, `streamlink sql` and `rank()` in TypeScript cells all come through this module.
 */
import { Field, Float64, makeData, RecordBatch, Schema, Struct, Table, Utf8, vectorFromArray, type Data } from "apache-arrow";
import { findColumn, findTable, type Catalog, type TableInfo } from "../core/catalog.js";
import { DEFAULT_TOP, joinTexts, textColumns, type Embedder, type SimilarityProvenance, type SimilarityRequest } from "../core/embedder.js";
import type { Engine } from "../core/engine.js";
import { QueryError, StreamLinkError, UsageError } from "../core/errors.js";
import { SQL_TYPE_KEY } from "../core/format.js";
import type { Verdict } from "../core/verdict.js";
import { blockedError, type CheckedRun, type RunOptions, type Session } from "./session.js";

/**
 * Rows the kernel embeds itself at most. The bundled model embeds ~200 titles/s on 2 cores (abstracts ~4x
 * slower), so this is about a minute and a half of titles; beyond it the data must be precomputed.
 */
export const KERNEL_RANK_CAP = 20_000;

/**
 * Best-scored embeddings per requested row that an in-engine ranking joins with the candidates first (`--top 20`:
 * 2,000). A query whose filter keeps at least 1 % of the rows finds its `top` rows in it; a narrower one is ranked
 * again over every candidate.
 */
export const SHORTLIST_PER_ROW = 100;

/** The column a ranking adds. */
export const SIMILARITY_COLUMN = "similarity";

/**
 * The table `streamlink data embed` writes for `table` and the text columns `on`, e.g.
 * `patents_embeddings_title_abstract`: a folder of Parquet parts that a DuckDB `%connect` shows as one table.
 */
export function embeddingsTableName(table: string, on: readonly string[]): string {
  return `${table}_embeddings_${on.map((c) => c.toLowerCase()).join("_")}`;
}

/** Columns of an embeddings table: the row key, the vector, and the model that made it (`name@sha256`). */
export const EMBEDDING_COLUMNS = { key: "publication_number", vector: "embedding", model: "model" } as const;

/** How a model is written in an embeddings table, so that vectors of another model are never compared. */
export function modelTag(embedder: Pick<Embedder, "info">): string {
  return `${embedder.info.name}@${embedder.info.sha256}`;
}

/** True for a table `streamlink data embed` wrote: its vectors are for ranking, not for the model to query. */
export function isEmbeddingsTable(table: TableInfo): boolean {
  return table.name.toLowerCase().includes("_embeddings_") && findColumn(table, EMBEDDING_COLUMNS.vector) !== undefined && findColumn(table, EMBEDDING_COLUMNS.model) !== undefined;
}

/** Reads `--similar-to TEXT --on a,b --top N` (all absent: no ranking). */
export function similarityRequest(text: string | undefined, on: string | undefined, top: number | undefined): SimilarityRequest | undefined {
  if (text === undefined) {
    if (on !== undefined || top !== undefined) {
      throw new UsageError("--on and --top go with --similar-to", 'Example: --similar-to "a GPU that schedules warps" --on title,abstract --top 20');
    }
    return undefined;
  }
  if (text.trim() === "") {
    throw new UsageError("--similar-to has an empty text", 'Describe what the rows should be like, e.g. --similar-to "a GPU that schedules warps to hide memory latency"');
  }
  const columns = textColumns(on);
  if (columns.length === 0) {
    throw new UsageError("--similar-to needs --on: the text columns to compare", "Example: --on title,abstract");
  }
  if (top === 0) throw new UsageError("--top must be at least 1", "Example: --top 20");
  return { text: text.trim(), on: columns, top: top ?? DEFAULT_TOP };
}

/** What a ranked run is: the checked run (its table now ranked, `similarity` last) and how it was ranked. */
export interface SimilarRun extends CheckedRun {
  readonly similarity: SimilarityProvenance;
}

/** What ranking a request on a connection takes: the loaded model, the precomputed table if any, the provenance. */
export interface SimilarityPlan {
  readonly request: SimilarityRequest;
  readonly embedder: Embedder;
  readonly precomputed?: Precomputed;
  readonly provenance: SimilarityProvenance;
}

/**
 * Loads the model (so a missing one fails before any query runs) and looks for precomputed embeddings of the
 * tables the checked query reads (`verdict.tables`).
 */
export async function planSimilarity(session: Session, engine: Engine, request: SimilarityRequest, verdict: Verdict): Promise<SimilarityPlan> {
  const embedder = await session.embedder();
  const precomputed = await findEmbeddings(session, engine, request.on, verdict.tables ?? []);
  return { request, embedder, precomputed, provenance: provenanceOf(request, embedder, precomputed) };
}

/**
 * `sql` ranked by `request`: checks it (the verdict goes to `onVerdict` with the ranking's provenance, before
 * anything runs), then ranks in the engine when the tables it reads have precomputed embeddings, otherwise in the
 * kernel.
 */
export async function runSimilar(
  session: Session,
  sql: string,
  request: SimilarityRequest,
  options: RunOptions,
  onVerdict?: (verdict: Verdict, similarity: SimilarityProvenance) => void,
): Promise<SimilarRun> {
  const engine = await session.engine(options.engine);
  // Checked first, without a row cap: the verdict says which tables the query reads, and so whose embeddings rank it.
  const verdict = await session.check(sql, engine, { rowCap: false });
  const plan = await planSimilarity(session, engine, request, verdict);
  if (plan.precomputed) {
    onVerdict?.(verdict, plan.provenance);
    if (verdict.verdict === "block") throw blockedError(verdict);
    return rankInEngine(session, engine, verdict, plan.precomputed, plan);
  }
  // The rows before ranking are not what the cell will show: no first rows while they arrive.
  const { partial: _unranked, ...unranked } = options;
  const run = await session.run(sql, { ...unranked, maxRows: KERNEL_RANK_CAP + 1 }, (checked) => onVerdict?.(checked, plan.provenance));
  return rankInKernel(session, run, plan);
}

/** Ranks a run that already happened (`%%ask` ran its SQL while choosing it): in the engine when it can. */
export async function rankRun(session: Session, run: CheckedRun, plan: SimilarityPlan): Promise<SimilarRun> {
  if (plan.precomputed) return rankInEngine(session, run.engine, run.verdict, plan.precomputed, plan);
  return rankInKernel(session, run, plan);
}

/** `rank(table, text, { on, top })` for TypeScript cells: the kernel-side ranking of any Arrow table. */
export interface RankOptions {
  /** Text columns to compare, as an array or comma-separated. */
  readonly on: readonly string[] | string;
  readonly top?: number;
}

export async function rankTable(session: Session, table: Table, text: string, options: RankOptions): Promise<Table> {
  if (!(table instanceof Table)) throw new UsageError("rank() needs an Arrow table as its first argument", "Pass a %%sql result, e.g. await rank(hits, \"a GPU that …\", { on: [\"title\"] }).");
  if (typeof text !== "string") throw new UsageError("rank() needs the text to compare with as its second argument", "Example: await rank(hits, \"a GPU that schedules warps\", { on: [\"title\"], top: 20 }).");
  const on = typeof options.on === "string" ? options.on : options.on.join(",");
  const request = similarityRequest(text, on, options.top) as SimilarityRequest;
  if (table.numRows > KERNEL_RANK_CAP) throw tooManyRows(table.numRows, undefined, request);
  return rankRows(table, request, await session.embedder(), session);
}

export interface Precomputed {
  readonly table: string;
  readonly source: string;
}

function provenanceOf(request: SimilarityRequest, embedder: Embedder, precomputed: Precomputed | undefined): SimilarityProvenance {
  return {
    text: request.text,
    on: request.on,
    top: request.top,
    model: embedder.info.name,
    modelSha256: embedder.info.sha256,
    rankedIn: precomputed ? "engine" : "kernel",
    ...(precomputed ? { embeddingsTable: precomputed.table } : {}),
  };
}

/**
 * The precomputed embeddings for `on` of the one table among `tables` (those the query reads) that has them, when
 * the engine can rank; a query reading two such tables is refused, as either table's vectors could rank its rows.
 */
async function findEmbeddings(session: Session, engine: Engine, on: readonly string[], tables: readonly string[]): Promise<Precomputed | undefined> {
  if (!engine.similarity) return undefined;
  const catalog = await session.catalog(engine);
  const found = sourceTables(catalog, on, tables).flatMap((source) => {
    const table = findTable(catalog, embeddingsTableName(source.name, on));
    return table && findColumn(table, EMBEDDING_COLUMNS.vector) && findColumn(table, EMBEDDING_COLUMNS.key) ? [{ table: table.name, source: source.name }] : [];
  });
  if (found.length > 1) {
    const sources = found.map((f) => f.source);
    throw new StreamLinkError("similarity-ambiguous",
      `The query reads ${sources.join(" and ")}, and each has embeddings for ${on.join(",")}; the rows cannot be ranked with both.`,
      `Rank a query that reads one of them (e.g. SELECT ${EMBEDDING_COLUMNS.key}, ${on.join(", ")} FROM ${sources[0]} …), then use its result with the other table.`,
      { tables: sources, embeddingsTables: found.map((f) => f.table), on });
  }
  return found[0];
}

/** The tables among `read` (catalog names) that have every column of `on`. */
function sourceTables(catalog: Catalog, on: readonly string[], read: readonly string[]): TableInfo[] {
  return read.flatMap((name) => findTable(catalog, name) ?? []).filter((t) => on.every((c) => findColumn(t, c)));
}

async function rankInEngine(session: Session, engine: Engine, verdict: Verdict, precomputed: Precomputed, plan: SimilarityPlan): Promise<SimilarRun> {
  const { request, embedder, provenance: similarity } = plan;
  const dialect = engine.similarity;
  if (!dialect) throw new Error(`engine ${engine.name} cannot rank`);
  const stored = await checkModelOf(session, engine, precomputed, embedder, request);
  const [vector] = await session.embeddings.embed(embedder, [request.text]);
  // The checked SQL as written, without the row cap the checker adds for results that travel: here only `top`
  // rows travel, and a cap on the candidates would silently leave rows unranked. The whole ranking query is
  // checked again below, so nothing runs unchecked.
  const rank = (shortlist?: number): Promise<CheckedRun> =>
    session.run(dialect.rank(session.bare(verdict.sql), precomputed.table, EMBEDDING_COLUMNS.key, vector as Float32Array, request.top, shortlist), { engine: engine.name, maxRows: request.top });
  const shortlist = request.top * SHORTLIST_PER_ROW;
  try {
    // The shortlist's answer is exact when it has `top` rows; a filter that left fewer in it needs the whole join.
    const quick = stored > shortlist ? await rank(shortlist) : undefined;
    const run = quick && quick.result.table.numRows >= request.top ? quick : await rank();
    return { ...run, verdict, similarity };
  } catch (thrown) {
    if (thrown instanceof QueryError || thrown instanceof StreamLinkError && thrown.code === "blocked") {
      throw new QueryError(`The rows could not be joined with the precomputed embeddings in ${precomputed.table}: ${thrown.message}`,
        `Select the key column ${EMBEDDING_COLUMNS.key} (SELECT ${EMBEDDING_COLUMNS.key}, …) so each row finds its embedding.`,
        { table: precomputed.table }, { cause: thrown });
    }
    throw thrown;
  }
}

/**
 * Vectors of another model are not comparable: refuse them with the command that rebuilds them. Returns how many
 * vectors the table holds (read by the same scan).
 */
async function checkModelOf(session: Session, engine: Engine, precomputed: Precomputed, embedder: Embedder, request: SimilarityRequest): Promise<number> {
  const model = EMBEDDING_COLUMNS.model;
  const probe = await session.run(`SELECT min(${model}) AS lo, max(${model}) AS hi, count(*) AS n FROM ${precomputed.table}`, { engine: engine.name, maxRows: 1 });
  const lo = probe.result.table.getChild("lo")?.get(0) as string | null | undefined;
  const hi = probe.result.table.getChild("hi")?.get(0) as string | null | undefined;
  const wanted = modelTag(embedder);
  if (lo !== wanted || hi !== wanted) {
    throw new StreamLinkError("embeddings-stale", `${precomputed.table} holds embeddings of ${lo ?? "no model"}${hi !== lo ? ` and ${hi ?? "none"}` : ""}, not of ${wanted}.`,
      `Rebuild them: ${embedCommand(engine, precomputed.source, request.on)} --overwrite`, { table: precomputed.table, found: lo, wanted });
  }
  return Number(probe.result.table.getChild("n")?.get(0) ?? 0);
}

async function rankInKernel(session: Session, run: CheckedRun, plan: SimilarityPlan): Promise<SimilarRun> {
  const { request, embedder, provenance: similarity } = plan;
  const { table } = run.result;
  if (run.result.truncated || table.numRows > KERNEL_RANK_CAP) {
    const catalog = await session.catalog(run.engine);
    throw tooManyRows(table.numRows, embedCommand(run.engine, sourceTables(catalog, request.on, run.verdict.tables ?? [])[0]?.name ?? "TABLE", request.on), request);
  }
  const ranked = await rankRows(table, request, embedder, session);
  return { ...run, result: { ...run.result, table: ranked, truncated: false }, similarity };
}

function tooManyRows(rows: number, command: string | undefined, request: SimilarityRequest): StreamLinkError {
  return new StreamLinkError("similarity-too-many-rows",
    `The query returned ${rows > KERNEL_RANK_CAP ? `more than ${KERNEL_RANK_CAP.toLocaleString("en")}` : rows} rows; the kernel embeds at most ${KERNEL_RANK_CAP.toLocaleString("en")} rows to rank them.`,
    command ? `Precompute the embeddings once (then the engine ranks any number of rows): ${command}; or narrow the query with a WHERE clause.`
      : "Narrow the table first (a WHERE clause in the %%sql that made it), or rank with %%sql --similar-to after precomputing embeddings (streamlink data embed).",
    { rows, cap: KERNEL_RANK_CAP, on: request.on });
}

/** The command that precomputes embeddings for a table of this connection. */
function embedCommand(engine: Engine, table: string, on: readonly string[]): string {
  return `npx streamlink data embed --db ${engine.target} --table ${table} --on ${on.join(",")} --out ${engine.target}`;
}

/** Embeds the rows' texts (cached) and keeps the `top` most similar, best first, with a `similarity` column. */
async function rankRows(table: Table, request: SimilarityRequest, embedder: Embedder, session: Session): Promise<Table> {
  const columns = request.on.map((name) => textColumn(table, name));
  const texts: string[] = [];
  for (let r = 0; r < table.numRows; r++) {
    texts.push(joinTexts(columns.map((c) => c.get(r) as string | null)));
  }
  const [query, ...vectors] = await session.embeddings.embed(embedder, [request.text, ...texts]);
  const scores = vectors.map((v) => dot(query as Float32Array, v));
  const order = scores.map((_s, i) => i).sort((a, b) => (scores[b] as number) - (scores[a] as number)).slice(0, request.top);
  return selectRows(table, order, Float64Array.from(order, (i) => scores[i] as number));
}

function textColumn(table: Table, name: string): { get(row: number): unknown } {
  const index = table.schema.fields.findIndex((f) => f.name.toLowerCase() === name.toLowerCase());
  const field = table.schema.fields[index];
  if (!field) {
    const texts = table.schema.fields.filter((f) => f.type instanceof Utf8).map((f) => f.name);
    throw new UsageError(`--on names '${name}', which the result does not have`, `Text columns of the result: ${texts.join(", ") || "(none)"}. Select the column, or name another with --on.`, { column: name });
  }
  if (!(field.type instanceof Utf8)) {
    throw new UsageError(`--on '${field.name}' is not a text column (${String(field.type)})`, "Similarity compares texts: name text columns such as title or abstract.", { column: field.name, type: String(field.type) });
  }
  return table.getChildAt(index) as { get(row: number): unknown };
}

function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] as number) * (b[i] as number);
  return sum;
}

/** The rows `order` of `table` (types and field metadata kept), then `similarity` (replacing an earlier ranking's). */
function selectRows(table: Table, order: readonly number[], similarity: Float64Array): Table {
  const kept = table.schema.fields.map((field, c) => ({ field, column: table.getChildAt(c) })).filter(({ field }) => field.name !== SIMILARITY_COLUMN);
  const fields = [...kept.map(({ field }) => field), new Field(SIMILARITY_COLUMN, new Float64(), false, new Map([[SQL_TYPE_KEY, "DOUBLE"]]))];
  const children: Data[] = kept.map(({ field, column }) => vectorFromArray(order.map((r) => column?.get(r) ?? null), field.type).data[0] as Data);
  children.push(makeData({ type: new Float64(), length: similarity.length, data: similarity }));
  const schema = new Schema(fields, table.schema.metadata);
  return new Table(schema, new RecordBatch(schema, makeData({ type: new Struct(fields), length: order.length, nullCount: 0, children })));
}
