import type { SimilaritySql } from "../../core/embedder.js";

/**
 * Spark has no vector functions, but its built-in higher-order functions (no UDF, so nothing to install on the
 * cluster) compute the cosine: the query vector is unit length, so dot product over the stored vector's norm.
 */
export const sparkSimilarity: SimilaritySql = {
  rank(candidates, embeddings, key, vector, top) {
    const literal = `array(${Array.from(vector, (v) => `CAST(${v.toPrecision(7)} AS DOUBLE)`).join(", ")})`;
    const dot = `aggregate(zip_with(e.embedding, ${literal}, (x, y) -> CAST(x AS DOUBLE) * y), CAST(0 AS DOUBLE), (acc, v) -> acc + v)`;
    const norm = `sqrt(aggregate(e.embedding, CAST(0 AS DOUBLE), (acc, x) -> acc + CAST(x AS DOUBLE) * CAST(x AS DOUBLE)))`;
    return `SELECT c.*, ${dot} / ${norm} AS similarity ` +
      `FROM (\n${candidates}\n) AS c JOIN ${embeddings} AS e ON c.${key} = e.${key} ORDER BY similarity DESC LIMIT ${top}`;
  },
};
