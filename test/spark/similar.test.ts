/**
 * The semantic filter inside Spark: the same precomputed embeddings (written by `streamlink data embed`, as FLOAT
 * and as int8 vectors) ranked by DuckDB's array_cosine_similarity and by Spark's built-in higher-order functions
 * (lambdas the checker reads as Spark does) give the same top rows, in the same order, with the same scores.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createChecker } from "../../checks/index.js";
import { quotedString } from "../../core/sql-text.js";
import { embedTable } from "../../datasets/embed.js";
import { ParquetWorkbench } from "../../engines/duckdb/writer.js";
import { startCluster, stopCluster } from "../../engines/spark/cluster/cluster.js";
import { sparkConnector } from "../../engines/spark/engine.js";
import { Session } from "../../session/session.js";
import { runSimilar, type SimilarRun } from "../../session/similar.js";
import { closeSharedEmbedder, semanticSession, sharedEmbedder } from "../model/embedder.js";
import { REPO } from "../support/paths.js";
import { freePort } from "../support/ports.js";

const data = mkdtempSync(path.join(tmpdir(), "streamlink-spark-similar-"));

let spark: Session;
let duck: Session;

beforeAll(async () => {
  const bench = await ParquetWorkbench.open();
  try {
    const demo = path.join(REPO, "notebooks", "data", "patents", "patents.parquet");
    const rows = `FROM read_parquet(${quotedString(demo)}) WHERE title ILIKE '%memory%' ORDER BY publication_number LIMIT 200`;
    await bench.run(`COPY (SELECT publication_number, title, grant_date ${rows}) TO ${quotedString(path.join(data, "patents.parquet"))} (FORMAT parquet)`);
    // The same rows under another text column: the connection then holds one embeddings table per column.
    await bench.run(`COPY (SELECT publication_number, title AS name, grant_date ${rows}) TO ${quotedString(path.join(data, "family.parquet"))} (FORMAT parquet)`);
  } finally {
    bench.close();
  }
  duck = await semanticSession(data);
  const embedder = await sharedEmbedder();
  await embedTable({ session: duck, embedder, table: "patents", on: ["title"], outDir: data });
  await embedTable({ session: duck, embedder, table: "family", on: ["name"], outDir: data, int8: true });
  await duck.close();
  duck = await semanticSession(data);
  await stopCluster();
  const cluster = await startCluster({ workers: 1, thriftPort: await freePort(), dataDir: data });
  spark = new Session({
    checker: createChecker(),
    connectors: [sparkConnector],
    embedder: async () => ({ info: embedder.info, embed: (texts) => embedder.embed(texts), close: async () => undefined }),
  });
  await spark.connect({ kind: "spark", target: cluster.thriftUrl, name: "spark" });
}, 600_000);

afterAll(async () => {
  await spark?.close();
  await duck?.close();
  await stopCluster();
  await closeSharedEmbedder();
  rmSync(data, { recursive: true, force: true });
});

const rows = (run: SimilarRun): [unknown, number][] => {
  const keys = run.result.table.getChild("publication_number");
  const scores = run.result.table.getChild("similarity");
  return Array.from({ length: run.result.table.numRows }, (_r, i) => [keys?.get(i), Number(scores?.get(i))]);
};

describe("--similar-to with precomputed embeddings on Spark", () => {
  // --top 1 ranks the 200 rows through a shortlist of 100 (SHORTLIST_PER_ROW) on both engines.
  it.each([["FLOAT", "patents", "title", 10], ["int8", "family", "name", 10], ["int8 (through a shortlist)", "family", "name", 1]])("ranks %s vectors inside Spark with DuckDB's top rows, order and scores", async (_kind, table, column, top) => {
    const sql = `SELECT publication_number, ${column} FROM ${table} WHERE grant_date IS NOT NULL`;
    const request = { text: "cache coherence between processors", on: [column], top };
    const inDuckDB = await runSimilar(duck, sql, request, {});
    const inSpark = await runSimilar(spark, sql, request, {});
    expect(inSpark.similarity.rankedIn).toBe("engine");
    expect(inSpark.similarity.embeddingsTable).toBe(`${table}_embeddings_${column}`);
    expect(inSpark.verdict.verdict).toBe("allow");
    const duckRows = rows(inDuckDB);
    const sparkRows = rows(inSpark);
    expect(sparkRows).toHaveLength(top);
    expect(sparkRows.map(([key]) => key)).toEqual(duckRows.map(([key]) => key));
    sparkRows.forEach(([, score], i) => expect(score).toBeCloseTo(duckRows[i]?.[1] as number, 5));
    expect(sparkRows.map(([, score]) => score)).toEqual([...sparkRows.map(([, score]) => score)].sort((a, b) => b - a));
  }, 300_000);
});
