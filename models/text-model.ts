import type { ModelWait } from "../core/llm.js";

/** One turn of a chat prompt; the adapter renders it with the model's own chat template. */
export interface ChatMessage {
  readonly role: "system" | "user" | "assistant";
  readonly text: string;
}

export interface CompletionRequest {
  readonly messages: readonly ChatMessage[];
  /** GBNF text that the answer must match (constrained decoding); absent: free text. */
  readonly grammar?: string;
  readonly maxTokens: number;
  /** 0 (the default) decodes greedily; above 0 samples, reproducibly for a given `seed`. */
  readonly temperature?: number;
  readonly seed?: number;
  readonly signal?: AbortSignal;
  /** Called with the answer's text so far as it is decoded (a progress display). */
  readonly onText?: (textSoFar: string) => void;
  /** Told where the request waits when the model is a shared service; an in-process model does not call it. */
  readonly onWait?: (wait: ModelWait) => void;
}

export interface Completion {
  readonly text: string;
  /** Tokens the model generated. */
  readonly tokens: number;
  readonly elapsedMs: number;
}

/**
 * A local language model as the generator sees it: chat in, text out. The node-llama-cpp adapter
 * (`models/llama.ts`) is the real one; unit tests of the generator may pass a scripted one.
 */
export interface TextModel {
  /** Registry name, or the file name for a model given by path. */
  readonly name: string;
  readonly path: string;
  /** sha256 of the GGUF file (from the registry, or hashed once for a file given by path). */
  sha256(): Promise<string>;
  /** The LoRA adapter loaded with the model, if any: its name and its file's sha256, for provenance. */
  readonly adapter?: { readonly name: string; readonly sha256: string };
  complete(request: CompletionRequest): Promise<Completion>;
  close(): Promise<void>;
}
