import type { SimilaritySql } from "../../core/embedder.js";

/**
 * DuckDB ranks with `array_cosine_similarity` over fixed-size arrays. The stored vectors may be FLOAT or int8
 * lists (the shipped demo file, 4x smaller): both are cast to FLOAT[n], and cosine ignores the int8 scale.
 */
export const duckdbSimilarity: SimilaritySql = {
  rank(candidates, embeddings, key, vector, top) {
    const n = vector.length;
    const literal = `CAST([${Array.from(vector, (v) => v.toPrecision(7)).join(", ")}] AS FLOAT[${n}])`;
    return `SELECT c.*, CAST(array_cosine_similarity(CAST(e.embedding AS FLOAT[${n}]), ${literal}) AS DOUBLE) AS similarity ` +
      `FROM (\n${candidates}\n) AS c JOIN ${embeddings} AS e ON c.${key} = e.${key} ORDER BY similarity DESC, c.${key} LIMIT ${top}`;
  },
};
