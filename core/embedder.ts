/**
 * The semantic filter's seam: a sentence-embedding model that runs on this machine, and the request a user makes
 * (`--similar-to TEXT --on COLUMNS --top N`). Magics, the CLI and the session see only these types; the runtime
 * library lives in one adapter under models/.
 */

/** Which embedding model ranked a result; recorded in the verdict bundle and the CLI's JSON beside the LLM's. */
export interface EmbeddingModelInfo {
  readonly name: string;
  readonly sha256: string;
  readonly dimensions: number;
}

/** Turns texts into unit-length vectors (cosine similarity is then a dot product). */
export interface Embedder {
  readonly info: EmbeddingModelInfo;
  /** One vector per text, in order; `onProgress` is told how many texts are done after each batch. */
  embed(texts: readonly string[], onProgress?: (done: number) => void): Promise<Float32Array[]>;
  close(): Promise<void>;
}

/** `--similar-to TEXT --on title,abstract --top 20`, validated. */
export interface SimilarityRequest {
  readonly text: string;
  /** Text columns whose values, joined, are compared with `text`. */
  readonly on: readonly string[];
  readonly top: number;
}

/** The default `--top`. */
export const DEFAULT_TOP = 20;

/** Where a ranking happened and with what: kept with the cell (verdict bundle) and printed by the CLI. */
export interface SimilarityProvenance {
  readonly text: string;
  readonly on: readonly string[];
  readonly top: number;
  readonly model: string;
  readonly modelSha256: string;
  /** `engine`: precomputed embeddings ranked inside the engine; `kernel`: the returned rows embedded and ranked here. */
  readonly rankedIn: "engine" | "kernel";
  /** The precomputed embeddings table, when ranked in the engine. */
  readonly embeddingsTable?: string;
  readonly candidates?: number;
}

/**
 * How one engine ranks inside itself by a query vector: the SQL around an already checked candidate query.
 * One object per engine that can (DuckDB: `array_cosine_similarity`; Spark: built-in higher-order functions, no
 * UDF); an engine without one ranks in the kernel.
 */
export interface SimilaritySql {
  /**
   * A query returning the candidates' columns plus `similarity`, best first, `top` rows. `candidates` is the
   * checked SQL (its text is kept whole, as a subquery); `embeddings` is the precomputed table (key, embedding).
   * With `shortlist`, only the `shortlist` best-scored embeddings (by similarity, then key) are joined with the
   * candidates: the join then holds a few thousand rows instead of every candidate. When that query still returns
   * `top` rows they are exactly the rows of the query without it (every other row ranks below the shortlist);
   * fewer rows mean the candidates' filter left too few in the shortlist, and the caller runs it without.
   */
  rank(candidates: string, embeddings: string, key: string, vector: Float32Array, top: number, shortlist?: number): string;
}

/** The text a row is compared by: its `--on` values in order, empty ones left out (the same in kernel and `data embed`). */
/** `--on title, abstract` as the column names it lists, in order (empty when none is named). */
export function textColumns(on: string | undefined): string[] {
  return (on ?? "").split(",").map((c) => c.trim()).filter((c) => c !== "");
}

export function joinTexts(values: readonly (string | null | undefined)[]): string {
  return values.filter((v): v is string => typeof v === "string" && v !== "").join(". ");
}
