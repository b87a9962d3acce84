import type { SimilaritySql } from "../../core/embedder.js";

/**
 * Spark has no vector functions, but its built-in higher-order functions (no UDF, so nothing to install on the
 * cluster) compute the cosine: the query vector is unit length, so the dot product over the stored vector's norm
 * (which also makes int8 vectors comparable without their scale). Ties break by key, as on DuckDB, so both
 * engines return the same rows in the same order.
 */
export const sparkSimilarity: SimilaritySql = {
  rank(candidates, embeddings, key, vector, top) {
    // Stored elements are FLOAT or TINYINT (int8 vectors): widened first, so x * x cannot overflow a byte.
    const literal = `array(${Array.from(vector, (v) => v.toPrecision(7)).join(", ")})`;
    const dot = `aggregate(zip_with(e.embedding, ${literal}, (x, y) -> CAST(x AS DOUBLE) * y), CAST(0 AS DOUBLE), (acc, p) -> acc + p)`;
    const norm = `sqrt(aggregate(e.embedding, CAST(0 AS DOUBLE), (acc, x) -> acc + CAST(x AS DOUBLE) * x))`;
    return `SELECT c.*, ${dot} / ${norm} AS similarity ` +
      `FROM (\n${candidates}\n) AS c JOIN ${embeddings} AS e ON c.${key} = e.${key} ORDER BY similarity DESC, c.${key} LIMIT ${top}`;
  },
};
