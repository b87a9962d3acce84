import path from "node:path";
import { describe, expect, it } from "vitest";
import type { Embedder } from "../../core/embedder.js";
import { StreamLinkError } from "../../core/errors.js";
import { quotedString } from "../../core/sql-text.js";
import { modelTag, runSimilar } from "../../session/similar.js";
import { rankingFolder } from "../support/ranking-folder.js";

/**
 * Two tables with the same key and text columns, each with its own precomputed title embeddings whose orders are
 * opposite: the rows of a query must be ranked with the vectors of the table it reads, whatever the names' order.
 * A four-dimensional stand-in model keeps this on DuckDB alone (the bundled model's ranking is tested in test/model).
 */
const QUERY_VECTOR = [1, 0, 0, 0];
const embedder: Embedder = {
  info: { name: "axis-model", sha256: "a".repeat(64), dimensions: 4 },
  embed: async (texts) => texts.map(() => Float32Array.from(QUERY_VECTOR)),
  close: async () => undefined,
};
const TAG = modelTag(embedder);
/** Per table: the key and its vector; `apples` ranks K1 first, `oranges` ranks K3 first. */
const VECTORS: Record<string, readonly (readonly [string, readonly number[]])[]> = {
  apples: [["K1", [1, 0, 0, 0]], ["K2", [0.6, 0.8, 0, 0]], ["K3", [0, 1, 0, 0]]],
  oranges: [["K1", [0, 1, 0, 0]], ["K2", [0.6, 0.8, 0, 0]], ["K3", [1, 0, 0, 0]]],
};

const data = rankingFolder("streamlink-similar-tables-", embedder, async (bench, folder) => {
  for (const [table, rows] of Object.entries(VECTORS)) {
    const keys = rows.map(([key]) => `(${quotedString(key)}, ${quotedString(`${table} ${key}`)})`).join(", ");
    await bench.run(`COPY (SELECT * FROM (VALUES ${keys}) AS t(publication_number, title)) TO ${quotedString(path.join(folder, `${table}.parquet`))} (FORMAT parquet)`);
    const vectors = rows.map(([key, v]) => `(${quotedString(key)}, CAST([${v.join(", ")}] AS FLOAT[4]), ${quotedString(TAG)})`).join(", ");
    await bench.run(`COPY (SELECT * FROM (VALUES ${vectors}) AS t(publication_number, embedding, model)) TO ${quotedString(path.join(folder, `${table}_embeddings_title.parquet`))} (FORMAT parquet)`);
  }
});

const request = { text: "round fruit", on: ["title"], top: 3 };
const keys = (run: Awaited<ReturnType<typeof runSimilar>>): unknown[] => run.result.table.getChild("publication_number")?.toArray() ?? [];

describe("--similar-to with two tables that both have embeddings for the columns", () => {
  it("ranks a query on the alphabetically second table with that table's embeddings", async () => {
    const run = await runSimilar(data.session, "SELECT publication_number, title FROM oranges", request, {});
    expect(run.similarity).toMatchObject({ rankedIn: "engine", embeddingsTable: "oranges_embeddings_title" });
    expect(keys(run)).toEqual(["K3", "K2", "K1"]);
  });

  it("ranks a query on the first table with its own embeddings, also when the table is read in a CTE", async () => {
    const run = await runSimilar(data.session, "WITH picked AS (SELECT publication_number, title FROM apples) SELECT * FROM picked", request, {});
    expect(run.similarity.embeddingsTable).toBe("apples_embeddings_title");
    expect(keys(run)).toEqual(["K1", "K2", "K3"]);
  });

  it("refuses a query that reads both tables with a typed error naming them and how to rank one", async () => {
    const sql = "SELECT a.publication_number, a.title FROM apples a JOIN oranges o ON a.publication_number = o.publication_number";
    const error = await runSimilar(data.session, sql, request, {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StreamLinkError);
    expect(error).toMatchObject({ code: "similarity-ambiguous", data: { tables: ["apples", "oranges"] } });
    expect((error as StreamLinkError).message).toContain("apples and oranges");
    expect((error as StreamLinkError).hint).toContain("FROM apples");
  });

  it("the verdict lists the tables a query reads, as the catalog names them", async () => {
    const engine = await data.session.engine();
    const verdict = await data.session.check("SELECT o.title FROM main.oranges o WHERE o.publication_number IN (SELECT publication_number FROM APPLES)", engine);
    expect(verdict.tables).toEqual(["oranges", "apples"]);
  });
});
