/**
 * The semantic filter inside Spark: the same precomputed embeddings (written by `streamlink data embed`) ranked by
 * DuckDB's array_cosine_similarity and by Spark's built-in higher-order functions give the same top rows.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createChecker } from "../../checks/index.js";
import { embedTable } from "../../datasets/embed.js";
import { duckdbConnector } from "../../engines/duckdb/engine.js";
import { sparkConnector } from "../../engines/spark/engine.js";
import { startCluster, stopCluster } from "../../engines/spark/cluster/cluster.js";
import { ParquetWorkbench, sqlString } from "../../engines/duckdb/writer.js";
import { Session } from "../../session/session.js";
import { runSimilar } from "../../session/similar.js";
import { closeSharedEmbedder, semanticSession, sharedEmbedder } from "../model/embedder.js";
import { REPO } from "../support/paths.js";

const data = mkdtempSync(path.join(tmpdir(), "streamlink-spark-similar-"));

/** A port nobody listens on now (other worktrees start clusters too). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

let spark: Session;
let duck: Session;

beforeAll(async () => {
  const bench = await ParquetWorkbench.open();
  try {
    const demo = path.join(REPO, "notebooks", "data", "patents", "patents.parquet");
    await bench.run(`COPY (SELECT publication_number, title, grant_date FROM read_parquet(${sqlString(demo)}) WHERE title ILIKE '%memory%' ORDER BY publication_number LIMIT 200) TO ${sqlString(path.join(data, "patents.parquet"))} (FORMAT parquet)`);
  } finally {
    bench.close();
  }
  duck = await semanticSession(data);
  await embedTable({ session: duck, embedder: await sharedEmbedder(), table: "patents", on: ["title"], outDir: data });
  await duck.close();
  duck = await semanticSession(data);
  await stopCluster();
  const cluster = await startCluster({ workers: 1, thriftPort: await freePort(), dataDir: data });
  spark = new Session({
    checker: createChecker(),
    connectors: [sparkConnector, duckdbConnector],
    embedder: async () => {
      const embedder = await sharedEmbedder();
      return { info: embedder.info, embed: (texts) => embedder.embed(texts), close: async () => undefined };
    },
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

describe("--similar-to with precomputed embeddings on Spark", () => {
  it("ranks inside Spark with the same top rows and scores as DuckDB", async () => {
    const sql = "SELECT publication_number, title FROM patents WHERE grant_date IS NOT NULL";
    const request = { text: "cache coherence between processors", on: ["title"], top: 10 };
    const inDuckDB = await runSimilar(duck, sql, request, {});
    const inSpark = await runSimilar(spark, sql, request, {});
    expect(inSpark.similarity.rankedIn).toBe("engine");
    expect(inDuckDB.similarity.rankedIn).toBe("engine");
    const rows = (run: typeof inSpark): [unknown, number][] => {
      const keys = run.result.table.getChild("publication_number");
      const scores = run.result.table.getChild("similarity");
      return Array.from({ length: run.result.table.numRows }, (_r, i) => [keys?.get(i), Number(scores?.get(i))]);
    };
    const duckRows = rows(inDuckDB);
    const sparkRows = rows(inSpark);
    expect(sparkRows).toHaveLength(10);
    // Ties (equal titles) may come in either order: compare the rows as a set and the scores in order.
    expect(new Set(sparkRows.map(([k]) => k))).toEqual(new Set(duckRows.map(([k]) => k)));
    sparkRows.forEach(([, score], i) => expect(score).toBeCloseTo(duckRows[i]?.[1] as number, 5));
  });
});
