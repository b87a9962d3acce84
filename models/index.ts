/**
 * The local-model package: a registry of bundled GGUF models, the node-llama-cpp adapter (loaded lazily),
 * and the question→SQL generator. Importing this module loads no native code.
 */
export { LocalSqlGenerator, type LocalGeneratorOptions, type PromptRecord } from "./generator.js";
export { extractSql } from "./statement.js";
export { ExampleStore, EXAMPLES_FILE, examplesFileFor, retrieveExamples } from "./examples.js";
export { loadRegistry, resolveModel, resolveAdapter, registerAdapter, resolveEmbedding, modelsDir, sha256File, type ModelSpec, type AdapterSpec, type ResolvedAdapter, type ResolvedModel, type EmbeddingSpec } from "./registry.js";
export { loadOnnxEmbedder } from "./embedding-onnx.js";
export { embeddingRanker, type ExampleRanker } from "./example-ranking.js";
export { buildSqlGrammar } from "./grammar.js";
export type { TextModel, ChatMessage, CompletionRequest, Completion } from "./text-model.js";
