import { mkdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { Embedder } from "../../core/embedder.js";
import { quotedString } from "../../core/sql-text.js";
import { writeDatabaseCopy } from "../../datasets/embed.js";
import { duckdbSimilarity } from "../../engines/duckdb/similarity.js";
import { EMBEDDING_COLUMNS, SHORTLIST_PER_ROW, embeddingsTableName, modelTag, runSimilar } from "../../session/similar.js";
import { rankingFolder } from "../support/ranking-folder.js";

/**
 * The in-engine ranking joins only a shortlist of the best-scored embeddings with the candidates. These rows must be
 * exactly those of the join over every candidate, also when the query's filter leaves too few rows in the shortlist.
 * Ten shortlists' worth of int8 vectors (as `data embed --int8` writes them, with its DuckDB copy) and a stand-in
 * model whose query vector is fixed; the expected order is computed here from the same vectors.
 */
const DIMS = 8;
const TOP = 5;
const ROWS = TOP * SHORTLIST_PER_ROW * 10;
const QUERY = Float32Array.from([0.5, -0.25, 0.4, 0.1, -0.3, 0.6, 0.2, -0.15]);
const embedder: Embedder = {
  info: { name: "fixed-model", sha256: "b".repeat(64), dimensions: DIMS },
  embed: async (texts) => texts.map(() => QUERY),
  close: async () => undefined,
};

/** A fixed pseudo-random int8 vector per row (no two rows alike, some ties in score are possible). */
function vectorOf(row: number): number[] {
  let state = (row + 1) * 2654435761;
  return Array.from({ length: DIMS }, () => {
    state = Math.imul(state ^ (state >>> 15), 2246822519) >>> 0;
    return (state % 255) - 127;
  });
}
const keyOf = (row: number): string => `K${String(row).padStart(6, "0")}`;

/** The cosine of each row's vector with the query, as a user would compute it: best first, then by key. */
function expectedOrder(rows: readonly number[]): { key: string; similarity: number }[] {
  const norm = (v: ArrayLike<number>): number => Math.sqrt(Array.from(v).reduce((s, x) => s + x * x, 0));
  return rows.map((row) => {
    const v = vectorOf(row);
    const dot = v.reduce((s, x, i) => s + x * (QUERY[i] as number), 0);
    return { key: keyOf(row), similarity: dot / (norm(v) * norm(QUERY)) };
  }).sort((a, b) => b.similarity - a.similarity || (a.key < b.key ? -1 : 1));
}

const vectorsTable = embeddingsTableName("patents", ["title"]);

const data = rankingFolder("streamlink-similar-shortlist-", embedder, async (bench, folder) => {
  await bench.run(`COPY (SELECT 'K' || lpad(i::VARCHAR, 6, '0') AS publication_number, 'title ' || i AS title, i AS n FROM range(${ROWS}) t(i)) TO ${quotedString(path.join(folder, "patents.parquet"))} (FORMAT parquet)`);
  const parts = path.join(folder, vectorsTable);
  mkdirSync(parts);
  const values = Array.from({ length: ROWS }, (_r, row) => `(${quotedString(keyOf(row))}, [${vectorOf(row).join(", ")}])`).join(", ");
  await bench.run(`COPY (SELECT k AS ${EMBEDDING_COLUMNS.key}, CAST(v AS TINYINT[${DIMS}]) AS ${EMBEDDING_COLUMNS.vector}, ${quotedString(modelTag(embedder))} AS ${EMBEDDING_COLUMNS.model} FROM (VALUES ${values}) AS t(k, v)) TO ${quotedString(path.join(parts, "part-00000.parquet"))} (FORMAT parquet)`);
  await writeDatabaseCopy(bench, parts, `${parts}.duckdb`, vectorsTable);
});

const ranked = async (sql: string): Promise<{ key: string; similarity: number }[]> => {
  const run = await runSimilar(data.session, sql, { text: "anything", on: ["title"], top: TOP }, {});
  expect(run.similarity).toMatchObject({ rankedIn: "engine", embeddingsTable: vectorsTable });
  return run.result.table.toArray().map((row: { publication_number: string; similarity: number }) => ({ key: row.publication_number, similarity: row.similarity }));
};
const range = (n: number, keep: (row: number) => boolean = () => true): number[] => Array.from({ length: n }, (_x, i) => i).filter(keep);
const expectRanking = (got: { key: string; similarity: number }[], want: { key: string; similarity: number }[]): void => {
  expect(got.map((r) => r.key)).toEqual(want.map((r) => r.key));
  got.forEach((r, i) => expect(r.similarity).toBeCloseTo(want[i]?.similarity ?? Number.NaN, 5));
};

describe(`ranking ${ROWS} precomputed rows in DuckDB through a shortlist of ${TOP * SHORTLIST_PER_ROW}`, () => {
  it("ranks every row as the cosine orders them, with the same rows and scores as the join over every candidate", async () => {
    const sql = "SELECT publication_number, title FROM patents";
    const got = await ranked(sql);
    expectRanking(got, expectedOrder(range(ROWS)).slice(0, TOP));
    const whole = await data.session.run(duckdbSimilarity.rank(sql, vectorsTable, EMBEDDING_COLUMNS.key, QUERY, TOP), { maxRows: TOP });
    expect(whole.result.table.toArray().map((row: { publication_number: string; similarity: number }) => ({ key: row.publication_number, similarity: row.similarity }))).toEqual(got);
  });

  it("ranks the rows a filter keeps, a third of them", async () => {
    expectRanking(await ranked("SELECT publication_number, title FROM patents WHERE n % 3 = 1"), expectedOrder(range(ROWS, (r) => r % 3 === 1)).slice(0, TOP));
  });

  it("ranks a filter that keeps fewer rows than --top: all of them, best first", async () => {
    const kept = range(ROWS, (r) => r % 2000 === 7);
    expect(kept.length).toBeLessThan(TOP);
    expectRanking(await ranked("SELECT publication_number, title FROM patents WHERE n % 2000 = 7"), expectedOrder(kept));
  });

  it("ranks candidates that are all outside the shortlist (the worst-scored rows)", async () => {
    const worst = expectedOrder(range(ROWS)).slice(-3 * TOP);
    const keys = worst.map((r) => quotedString(r.key)).join(", ");
    expectRanking(await ranked(`SELECT publication_number, title FROM patents WHERE publication_number IN (${keys})`), worst.slice(0, TOP));
  });

  it("keeps every row of a candidate that appears twice", async () => {
    const got = await ranked("SELECT p.publication_number, p.title FROM patents p CROSS JOIN (VALUES (1), (2)) AS t(copy)");
    const best = expectedOrder(range(ROWS));
    expectRanking(got, [best[0], best[0], best[1], best[1], best[2]].map((r) => r ?? { key: "", similarity: Number.NaN }));
  });
});
