import { createHash } from "node:crypto";
import type { Embedder } from "../core/embedder.js";

/** Text embeddings by model and text hash, so a re-run or a narrower query does not embed the same rows twice. */
export class EmbeddingCache {
  private readonly vectors = new Map<string, Float32Array>();

  /** ~77 MB of 384-dimension vectors; the oldest entries go first. */
  constructor(private readonly capacity = 50_000) {}

  async embed(embedder: Embedder, texts: readonly string[], onProgress?: (done: number) => void): Promise<Float32Array[]> {
    const keys = texts.map((t) => `${embedder.info.sha256}:${createHash("sha1").update(t).digest("base64")}`);
    const missing = [...new Set(keys.filter((k) => !this.vectors.has(k)))];
    const textOf = new Map(keys.map((k, i) => [k, texts[i] as string]));
    const fresh = await embedder.embed(missing.map((k) => textOf.get(k) as string), onProgress);
    const found = new Map(missing.map((k, i) => [k, fresh[i] as Float32Array]));
    const vectors = keys.map((k) => this.vectors.get(k) ?? (found.get(k) as Float32Array));
    for (const [key, vector] of found) {
      this.vectors.set(key, vector);
      if (this.vectors.size > this.capacity) this.vectors.delete(this.vectors.keys().next().value as string);
    }
    return vectors;
  }
}
