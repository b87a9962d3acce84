import { describe, expect, it } from "vitest";
import type { Embedder } from "../../core/embedder.js";
import { embeddingRanker } from "../../models/example-ranking.js";
import { retrieveExamples } from "../../models/examples.js";

/** A stand-in embedding model: words of one meaning share an axis, so paraphrases are near and other words are not. */
const MEANINGS: Record<string, number> = { how: 0, many: 0, number: 0, count: 0, patents: 1, grants: 1, records: 1, sony: 2, decade: 3, titles: 4 };
class ConceptEmbedder implements Embedder {
  readonly info = { name: "concepts", sha256: "00", dimensions: 5 };
  readonly calls: string[][] = [];
  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    this.calls.push([...texts]);
    return texts.map((text) => {
      const v = new Float32Array(5);
      for (const word of text.toLowerCase().match(/[a-z]+/g) ?? []) {
        const axis = MEANINGS[word];
        if (axis !== undefined) v[axis] = 1;
      }
      const norm = Math.hypot(...v) || 1;
      return v.map((x) => x / norm);
    });
  }
  async close(): Promise<void> {}
}

const examples = [
  { question: "Number of grants for the decade", sql: "SELECT 1" },
  { question: "How many patents does Sony have?", sql: "SELECT 2" },
  { question: "List titles", sql: "SELECT 3" },
];

describe("examples ranked by meaning", () => {
  it("finds the paraphrase that shared words miss, and embeds the saved pairs once", async () => {
    const model = new ConceptEmbedder();
    const rank = embeddingRanker(async () => model);
    const question = "Number of grants for Sony";
    expect(retrieveExamples(question, examples, 1).map((e) => e.sql)).toEqual(["SELECT 1"]);
    expect((await rank(question, examples, 1)).map((e) => e.sql)).toEqual(["SELECT 2"]);
    // closest last, nearest the question in the prompt
    expect((await rank("Count Sony records", examples, 2)).map((e) => e.sql)).toEqual(["SELECT 1", "SELECT 2"]);
    expect(model.calls.filter((texts) => texts.length === examples.length)).toHaveLength(1);
  });
});
