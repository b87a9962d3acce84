/**
 * The only file that imports onnxruntime-node and @huggingface/tokenizers: the sentence-embedding model of the
 * semantic filter (all-MiniLM-L6-v2 as ONNX, its own WordPiece tokenizer). Both load with a dynamic import, so the
 * kernel starts and `%%sql` runs without them.
 */
import { readFile } from "node:fs/promises";
import type { Embedder, EmbeddingModelInfo } from "../core/embedder.js";
import { StreamLinkError, asError } from "../core/errors.js";
import { defaultThreads } from "./llama.js";
import { sha256File, type ResolvedEmbedding } from "./registry.js";

type Ort = typeof import("onnxruntime-node");
type InferenceSession = import("onnxruntime-node").InferenceSession;
type Tokenizer = import("@huggingface/tokenizers").Tokenizer;

/**
 * Texts per forward pass. Measured on 2 busy cores with 24-token titles: 32 → 140/s, 64 → 180/s, 128 → 215/s;
 * texts are sorted by length first so that a batch pads little.
 */
const BATCH = 128;

/** Loads the model after checking the ONNX file against the registry's sha256 (a corrupt file is named, not run). */
export async function loadOnnxEmbedder(resolved: ResolvedEmbedding): Promise<Embedder> {
  const { spec, paths } = resolved;
  const actual = await sha256File(paths.model);
  if (actual !== spec.sha256) {
    throw new StreamLinkError("embedding-model-corrupt", `The embedding model file ${paths.model} is damaged (sha256 ${actual.slice(0, 12)}…, expected ${spec.sha256.slice(0, 12)}…).`,
      `Delete ${paths.model} and run \`bash scripts/setup-models.sh ${spec.name}\` to fetch and verify it again.`, { model: spec.name, path: paths.model, sha256: actual });
  }
  const [ort, tokenizers] = await Promise.all([importRuntime(() => import("onnxruntime-node")), importRuntime(() => import("@huggingface/tokenizers"))]);
  try {
    const [tokenizerJson, tokenizerConfig] = await Promise.all([readFile(paths.tokenizer, "utf8"), readFile(paths["tokenizer-config"], "utf8")]);
    const tokenizer = new tokenizers.Tokenizer(JSON.parse(tokenizerJson) as object, JSON.parse(tokenizerConfig) as object);
    // Without the CPU arena: it keeps every batch shape's buffers (peak RSS 1.9 GB against 1.1 GB for 128 x 128
    // tokens, measured), at the same speed. The cores go to one forward pass at a time (intra-op threads, as many as
    // the language model takes: defaultThreads): onnxruntime-node's run holds the thread that calls it, so passes started side by
    // side on one-thread sessions ran one after the other. 1,024 titles on 2 idle cores: 290 titles/s with two
    // intra-op threads, 161-167/s with one (one pass or two "at once" alike).
    const session = await ort.InferenceSession.create(paths.model, { intraOpNumThreads: defaultThreads(), interOpNumThreads: 1, graphOptimizationLevel: "all", enableCpuMemArena: false });
    return new OnnxEmbedder(ort, session, tokenizer, { name: spec.name, sha256: spec.sha256, dimensions: spec.dimensions }, spec.maxTokens);
  } catch (thrown) {
    throw new StreamLinkError("embedding-model-load", `Could not load the embedding model ${spec.name}: ${asError(thrown).message}`,
      `Delete ${paths.model} and run \`bash scripts/setup-models.sh ${spec.name}\` again.`, { model: spec.name }, { cause: thrown });
  }
}

async function importRuntime<T>(load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (thrown) {
    throw new StreamLinkError("embedding-runtime", `The embedding runtime could not be loaded: ${asError(thrown).message}`,
      "Run `npm install` in the StreamLink folder (onnxruntime-node, @huggingface/tokenizers); %%sql without --similar-to works meanwhile.", {}, { cause: thrown });
  }
}

class OnnxEmbedder implements Embedder {
  /** One embed call at a time, its batches one after the other. */
  private queue: Promise<unknown> = Promise.resolve();
  private readonly clsId: number;
  private readonly sepId: number;

  constructor(
    private readonly ort: Ort,
    private readonly session: InferenceSession,
    private readonly tokenizer: Tokenizer,
    readonly info: EmbeddingModelInfo,
    private readonly maxTokens: number,
  ) {
    this.clsId = tokenizer.token_to_id("[CLS]") ?? 101;
    this.sepId = tokenizer.token_to_id("[SEP]") ?? 102;
  }

  embed(texts: readonly string[], onProgress?: (done: number) => void): Promise<Float32Array[]> {
    const run = this.queue.then(() => this.embedNow(texts, onProgress));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async embedNow(texts: readonly string[], onProgress?: (done: number) => void): Promise<Float32Array[]> {
    const ids = texts.map((t) => this.tokens(t));
    const order = ids.map((_ids, i) => i).sort((a, b) => (ids[a]?.length ?? 0) - (ids[b]?.length ?? 0));
    const vectors = new Array<Float32Array>(texts.length);
    for (let next = 0; next < order.length; next += BATCH) {
      const batch = order.slice(next, next + BATCH);
      const out = await this.forward(batch.map((i) => ids[i] ?? []));
      batch.forEach((i, b) => { vectors[i] = out[b] as Float32Array; });
      onProgress?.(Math.min(next + BATCH, order.length));
    }
    return vectors;
  }

  /** WordPiece ids with [CLS] … [SEP], cut to the model's length (the tokenizer itself does not truncate). */
  private tokens(text: string): number[] {
    const ids = this.tokenizer.encode(text).ids;
    return ids.length <= this.maxTokens ? ids : [this.clsId, ...ids.slice(1, this.maxTokens - 1), this.sepId];
  }

  /** One padded batch through the model, then mean pooling over real tokens and L2 normalisation. */
  private async forward(batch: readonly (readonly number[])[]): Promise<Float32Array[]> {
    const rows = batch.length;
    const width = Math.max(1, ...batch.map((ids) => ids.length));
    const inputIds = new BigInt64Array(rows * width);
    const mask = new BigInt64Array(rows * width);
    batch.forEach((ids, r) => ids.forEach((id, t) => { inputIds[r * width + t] = BigInt(id); mask[r * width + t] = 1n; }));
    const shape = [rows, width];
    const feeds: Record<string, import("onnxruntime-node").Tensor> = {
      input_ids: new this.ort.Tensor("int64", inputIds, shape),
      attention_mask: new this.ort.Tensor("int64", mask, shape),
    };
    if (this.session.inputNames.includes("token_type_ids")) feeds["token_type_ids"] = new this.ort.Tensor("int64", new BigInt64Array(rows * width), shape);
    const output = await this.session.run(feeds);
    const hidden = output[this.session.outputNames[0] ?? "last_hidden_state"]?.data as Float32Array;
    const dims = this.info.dimensions;
    return batch.map((ids, r) => {
      const vector = new Float32Array(dims);
      for (let t = 0; t < ids.length; t++) {
        const offset = (r * width + t) * dims;
        for (let d = 0; d < dims; d++) vector[d] = (vector[d] as number) + (hidden[offset + d] as number);
      }
      let norm = 0;
      for (let d = 0; d < dims; d++) norm += (vector[d] as number) ** 2;
      const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
      for (let d = 0; d < dims; d++) vector[d] = (vector[d] as number) * scale;
      return vector;
    });
  }

  async close(): Promise<void> {
    await this.queue;
    await this.session.release();
  }
}
