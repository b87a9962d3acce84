/**
 * `npm run bench:semantic`: the semantic filter's speed and quality, measured on the path users take.
 *
 * 1. Embedding rows/s of the bundled model (titles, abstracts of the demo data), per wall and per CPU second.
 * 2. Ranking latency with precomputed embeddings for 1 k / 100 k / 1 M candidate rows: `runSimilar` on a DuckDB
 *    connection whose folder holds the candidates and a `data embed`-shaped table of random unit vectors (the
 *    check, the query's embedding, the in-engine ranking and the top rows' transfer; median of 3 warm runs), beside
 *    the ranking query alone joined over every candidate (no shortlist), which must return the same rows.
 * 3. Quality from the data itself: each query is a patent's abstract; the patents sharing its first CPC subgroup
 *    are relevant (itself excluded). Precision@10 and nDCG@10 of keyword ILIKE, BM25, embedding rank, and BM25
 *    top 100 re-ranked by embedding, over the demo patents that have an abstract and CPC codes.
 * Options: --sizes 1000,100000,1000000  --vectors float|int8 (how the precomputed vectors are stored, as
 * `data embed [--int8]` writes them)  --storage duckdb|parquet (with or without the DuckDB-native copy that
 * `data embed` writes beside the parts; parquet: the parts alone)  --queries N (default 100)
 * --skip speed|embed|rank|quality (a comma-separated list; speed is embed and rank).
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createChecker } from "../checks/index.js";
import { joinTexts } from "../core/embedder.js";
import { writeDatabaseCopy } from "../datasets/embed.js";
import { duckdbConnector } from "../engines/duckdb/engine.js";
import { duckdbSimilarity } from "../engines/duckdb/similarity.js";
import { quotedString } from "../core/sql-text.js";
import { ParquetWorkbench, type WorkbenchValue } from "../engines/duckdb/writer.js";
import { loadOnnxEmbedder, resolveEmbedding } from "../models/index.js";
import { Session } from "../session/session.js";
import { EMBEDDING_COLUMNS, embeddingsTableName, modelTag, runSimilar } from "../session/similar.js";
import { Bm25, KeywordMatch } from "./relevance.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const demo = path.join(root, "notebooks", "data", "patents");
const argv = process.argv.slice(2);
const option = (name: string, fallback: string): string => {
  const at = argv.indexOf(`--${name}`);
  return at >= 0 ? (argv[at + 1] ?? fallback) : fallback;
};
const sizes = option("sizes", "1000,100000,1000000").split(",").map(Number);
const queryCount = Number(option("queries", "100"));
const vectorType = option("vectors", "float") === "int8" ? "TINYINT[384]" : "FLOAT[384]";
const skip = new Set(option("skip", "").split(","));
const storage = option("storage", "duckdb") === "parquet" ? "parquet" : "duckdb";

const load = (): string => `load average ${(loadavg()[0] ?? 0).toFixed(1)} on ${availableParallelism()} cores`;
console.log(`bench:semantic, ${load()}`);

const embedder = await loadOnnxEmbedder(resolveEmbedding());
const bench = await ParquetWorkbench.open({ threads: 2 });
const patentsFile = quotedString(path.join(demo, "patents.parquet"));
const cpcFile = quotedString(path.join(demo, "patent_cpc.parquet"));

// 1. Embedding throughput, 2. ranking latency (skipped with --skip speed).
async function throughput(label: string, texts: readonly string[]): Promise<void> {
  const started = performance.now();
  const cpu = process.cpuUsage();
  await embedder.embed(texts);
  const used = process.cpuUsage(cpu);
  const seconds = (performance.now() - started) / 1000;
  const tokens = texts.reduce((n, t) => n + t.split(/\s+/).length, 0) / texts.length;
  console.log(`embed ${label.padEnd(10)} ${(texts.length / seconds).toFixed(0).padStart(6)} rows/s wall, ${(texts.length / ((used.user + used.system) / 1e6)).toFixed(0).padStart(6)} per CPU-second ` +
    `(${texts.length} rows, ~${tokens.toFixed(0)} words each, ${seconds.toFixed(1)} s, ${load()})`);
}
const strings = (rows: Record<string, WorkbenchValue>[], key: string): string[] => rows.map((r) => String(r[key]));
await embedder.embed(["warm-up"]);
if (!skip.has("speed") && !skip.has("embed")) await throughput("titles", strings(await bench.query(`SELECT title FROM read_parquet(${patentsFile}) ORDER BY hash(publication_number) LIMIT 1024`), "title"));
if (!skip.has("speed") && !skip.has("embed")) await throughput("abstracts", strings(await bench.query(`SELECT abstract FROM read_parquet(${patentsFile}) WHERE abstract IS NOT NULL ORDER BY hash(publication_number) LIMIT 256`), "abstract"));

// 2. Ranking latency with precomputed embeddings.
const scratch = mkdtempSync(path.join(tmpdir(), "streamlink-bench-semantic-"));
try {
  for (const size of skip.has("speed") || skip.has("rank") ? [] : sizes) {
    const folder = path.join(scratch, `n${size}`);
    const vectors = path.join(folder, embeddingsTableName("patents", ["title"]));
    mkdirSync(vectors, { recursive: true });
    const made = performance.now();
    await bench.run(`COPY (SELECT 'P' || lpad(i::VARCHAR, 9, '0') AS publication_number, 'title ' || i AS title FROM range(${size}) t(i)) TO ${quotedString(path.join(folder, "patents.parquet"))} (FORMAT parquet)`);
    await bench.run(`COPY (SELECT 'P' || lpad(i::VARCHAR, 9, '0') AS ${EMBEDDING_COLUMNS.key}, list_transform(range(384), x -> round((random() - 0.5) * 250))::${vectorType} AS ${EMBEDDING_COLUMNS.vector}, ${quotedString(modelTag(embedder))} AS ${EMBEDDING_COLUMNS.model} FROM range(${size}) t(i)) TO ${quotedString(path.join(vectors, "part-00000.parquet"))} (FORMAT parquet)`);
    if (storage === "duckdb") await writeDatabaseCopy(bench, vectors, `${vectors}.duckdb`, path.basename(vectors));
    const session = new Session({ checker: createChecker(), connectors: [duckdbConnector], embedder: async () => ({ info: embedder.info, embed: (t) => embedder.embed(t), close: async () => undefined }) });
    await session.connect({ kind: "duckdb", target: folder, name: "bench" });
    const times: number[] = [];
    for (let run = 0; run < 4; run++) {
      const started = performance.now();
      const ranked = await runSimilar(session, "SELECT publication_number, title FROM patents", { text: `a GPU that schedules warps ${run}`, on: ["title"], top: 20 }, {});
      if (ranked.similarity.rankedIn !== "engine" || ranked.result.table.numRows !== 20) throw new Error("the bench did not rank in the engine");
      if (run > 0) times.push(performance.now() - started);
    }
    // Side by side: the same ranking joined over every candidate (what ranked before the shortlist), which must
    // give the same rows and scores.
    const whole: number[] = [];
    const [vector] = await embedder.embed(["a GPU that schedules warps 1"]);
    const candidates = "SELECT publication_number, title FROM patents";
    const expected = await runSimilar(session, candidates, { text: "a GPU that schedules warps 1", on: ["title"], top: 20 }, {});
    for (let run = 0; run < 4; run++) {
      const started = performance.now();
      const joined = await session.run(duckdbSimilarity.rank(candidates, embeddingsTableName("patents", ["title"]), EMBEDDING_COLUMNS.key, vector as Float32Array, 20), { maxRows: 20 });
      if (run > 0) whole.push(performance.now() - started);
      if (JSON.stringify(joined.result.table.toArray()) !== JSON.stringify(expected.result.table.toArray())) throw new Error("the shortlist changed the ranking");
    }
    await session.close();
    times.sort((a, b) => a - b);
    whole.sort((a, b) => a - b);
    console.log(`rank ${String(size).padStart(8)} precomputed ${vectorType} candidates in DuckDB (${storage === "duckdb" ? "DuckDB copy" : "Parquet parts only"}): median ${(times[1] ?? 0).toFixed(0)} ms (min ${(times[0] ?? 0).toFixed(0)}; ` +
      `the ranking query alone joined over every candidate, no shortlist: median ${(whole[1] ?? 0).toFixed(0)} ms, same rows; data made in ${((performance.now() - made) / 1000).toFixed(0)} s; ${load()}; peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB)`);
    rmSync(folder, { recursive: true, force: true });
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

// 3. Quality: relevance from shared CPC subgroups (skipped with --skip quality).
if (skip.has("quality")) {
  bench.close();
  await embedder.close();
  process.exit(0);
}
interface Doc { readonly key: string; readonly title: string; readonly abstract: string; readonly groups: ReadonlySet<string>; readonly first: string }
const docs: Doc[] = (await bench.query(`
  SELECT p.publication_number AS key, p.title, p.abstract, list(c.cpc ORDER BY c.sequence) AS groups
  FROM read_parquet(${patentsFile}) p JOIN read_parquet(${cpcFile}) c USING (publication_number)
  WHERE p.abstract IS NOT NULL GROUP BY ALL ORDER BY key`)).map((r) => {
  const groups = (r["groups"] as string[]);
  return { key: String(r["key"]), title: String(r["title"]), abstract: String(r["abstract"]), groups: new Set(groups), first: groups[0] as string };
});
const byGroup = new Map<string, number>();
for (const d of docs) for (const g of d.groups) byGroup.set(g, (byGroup.get(g) ?? 0) + 1);
// Queries whose first subgroup has at least 5 other patents, taken in a fixed pseudo-random order.
const queries = docs.filter((d) => (byGroup.get(d.first) ?? 0) >= 6)
  .map((d) => ({ d, order: hash(d.key) })).sort((a, b) => a.order - b.order).slice(0, queryCount).map((q) => q.d);
const relevant = (q: Doc, d: Doc): boolean => d.key !== q.key && d.groups.has(q.first);

const docTexts = docs.map((d) => joinTexts([d.title, d.abstract]));
const docVectors = await corpusVectors();
console.log(`quality corpus: ${docs.length} patents with abstract and CPC, ${queries.length} queries (abstract → same first CPC subgroup)`);
const queryVectors = await embedder.embed(queries.map((q) => q.abstract));
const bm25 = new Bm25(docTexts);
const keyword = new KeywordMatch(docTexts);

type Ranker = (q: Doc, qi: number) => number[];
const embeddingScores = (qi: number): number[] => docVectors.map((v) => dot(queryVectors[qi] as Float32Array, v));
const rankers: Record<string, Ranker> = {
  "keyword ILIKE (query words)": (q) => keyword.scores(q.abstract),
  "BM25": (q) => bm25.scores(q.abstract),
  "embedding rank": (_q, qi) => embeddingScores(qi),
  "BM25 top 100 + embedding re-rank": (q, qi) => {
    const lexical = bm25.scores(q.abstract);
    const cut = [...lexical].sort((a, b) => b - a)[99] ?? 0;
    const semantic = embeddingScores(qi);
    return lexical.map((s, i) => (s >= cut && s > 0 ? 10 + (semantic[i] as number) : -1));
  },
};
console.log(`${"method".padEnd(36)} P@10   nDCG@10`);
for (const [name, ranker] of Object.entries(rankers)) {
  let precision = 0;
  let ndcg = 0;
  queries.forEach((q, qi) => {
    const scores = ranker(q, qi);
    const top = scores.map((s, i) => ({ s, i })).filter(({ i }) => docs[i]?.key !== q.key)
      .sort((a, b) => b.s - a.s || a.i - b.i).slice(0, 10);
    const gains = top.map(({ i }) => (relevant(q, docs[i] as Doc) ? 1 : 0));
    const total = docs.filter((d) => relevant(q, d)).length;
    precision += gains.reduce((a: number, b) => a + b, 0) / 10;
    const dcg = gains.reduce((sum: number, g, rank) => sum + g / Math.log2(rank + 2), 0);
    const ideal = Array.from({ length: Math.min(10, total) }, (_x, rank) => 1 / Math.log2(rank + 2)).reduce((a, b) => a + b, 0);
    ndcg += ideal > 0 ? dcg / ideal : 0;
  });
  console.log(`${name.padEnd(36)} ${(precision / queries.length).toFixed(3)}  ${(ndcg / queries.length).toFixed(3)}`);
}
console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB; ${load()}`);
bench.close();
await embedder.close();

/**
 * The corpus's title+abstract vectors: the demo's shipped int8 embeddings (what `%%sql --similar-to … --on
 * title,abstract` ranks by), rescaled to unit length; embedded here when they are absent.
 */
async function corpusVectors(): Promise<Float32Array[]> {
  const shipped = path.join(demo, embeddingsTableName("patents", ["title", "abstract"]));
  try {
    const rows = await bench.query(`SELECT ${EMBEDDING_COLUMNS.key} AS key, ${EMBEDDING_COLUMNS.vector} AS v FROM read_parquet(${quotedString(path.join(shipped, "*.parquet"))})`);
    const byKey = new Map(rows.map((r) => [String(r["key"]), Float32Array.from(r["v"] as number[])]));
    if (docs.every((d) => byKey.has(d.key))) {
      console.log(`quality corpus vectors: the shipped ${path.relative(root, shipped)}`);
      return docs.map((d) => unit(byKey.get(d.key) as Float32Array));
    }
  } catch {
    // No shipped vectors: embed the corpus below.
  }
  const started = performance.now();
  const vectors = await embedder.embed(docTexts);
  console.log(`quality corpus vectors: embedded now in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  return vectors;
}

function unit(v: Float32Array): Float32Array {
  const norm = Math.sqrt(dot(v, v));
  return v.map((x) => x / norm);
}

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] as number) * (b[i] as number);
  return s;
}

function hash(text: string): number {
  let h = 2166136261;
  for (const c of text) h = Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0;
  return h;
}
