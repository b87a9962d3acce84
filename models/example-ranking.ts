import type { Embedder } from "../core/embedder.js";
import type { SavedExample } from "../core/llm.js";

/** Picks the `k` saved pairs most like a question, closest last (nearest the question in the prompt). */
export type ExampleRanker = (question: string, examples: readonly SavedExample[], k: number) => Promise<SavedExample[]>;

/**
 * Ranks saved pairs by the meaning of their questions (cosine of sentence embeddings), so "Count Sony's grants"
 * finds "How many patents does Sony have?" with no word but the name in common. The pairs' vectors are computed
 * once per examples list (a built adaptation library holds thousands) and kept while the list lives.
 */
export function embeddingRanker(embedder: () => Promise<Embedder>): ExampleRanker {
  const vectors = new WeakMap<readonly SavedExample[], Promise<Float32Array[]>>();
  return async (question, examples, k) => {
    if (examples.length <= k) return [...examples];
    const model = await embedder();
    let known = vectors.get(examples);
    if (!known) {
      known = model.embed(examples.map((e) => e.question));
      vectors.set(examples, known);
      known.catch(() => vectors.delete(examples));
    }
    const [wanted] = await model.embed([question]);
    const all = await known;
    if (!wanted) return [];
    const scored = examples.map((example, i) => ({ example, i, score: dot(wanted, all[i]) }));
    scored.sort((a, b) => b.score - a.score || a.i - b.i);
    return scored.slice(0, k).reverse().map((s) => s.example);
  };
}

/** Unit vectors: the dot product is the cosine. */
function dot(a: Float32Array, b: Float32Array | undefined): number {
  if (!b) return -Infinity;
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] ?? 0) * (b[i] ?? 0);
  return sum;
}
