import type { SimilaritySql } from "../../core/embedder.js";

/**
 * Spark has no vector functions, but its built-in higher-order functions (no UDF, so nothing to install on the
 * cluster) compute the cosine: the query vector is unit length, so the dot product over the stored vector's norm
 * (which also makes int8 vectors comparable without their scale). Ties break by key, as on DuckDB, so both
 * engines return the same rows in the same order.
 */
export const sparkSimilarity: SimilaritySql = {
  rank(candidates, embeddings, key, vector, top, shortlist) {
    // Stored elements are FLOAT or TINYINT (int8 vectors): widened first, so x * x cannot overflow a byte.
    const literal = `array(${Array.from(vector, (v) => v.toPrecision(7)).join(", ")})`;
    const score = (e: string): string => {
      const dot = `aggregate(zip_with(${e}.embedding, ${literal}, (x, y) -> CAST(x AS DOUBLE) * y), CAST(0 AS DOUBLE), (acc, p) -> acc + p)`;
      const norm = `sqrt(aggregate(${e}.embedding, CAST(0 AS DOUBLE), (acc, x) -> acc + CAST(x AS DOUBLE) * x))`;
      return `${dot} / ${norm}`;
    };
    const from = `FROM (\n${candidates}\n) AS c JOIN `;
    const order = `ORDER BY similarity DESC, c.${key} LIMIT ${top}`;
    if (shortlist === undefined) return `SELECT c.*, ${score("e")} AS similarity ${from}${embeddings} AS e ON c.${key} = e.${key} ${order}`;
    // Scored before the join, so that only the shortlist's keys are shuffled to meet the candidates.
    const scored = `SELECT s.${key}, ${score("s")} AS similarity FROM ${embeddings} AS s ORDER BY similarity DESC, s.${key} LIMIT ${shortlist}`;
    return `SELECT c.*, e.similarity ${from}(${scored}) AS e ON c.${key} = e.${key} ${order}`;
  },
};
