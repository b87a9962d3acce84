import type { CompletionRequest, TextModel } from "../../models/text-model.js";

/**
 * A stand-in for the local model, so that a test checks the pipeline and not the model: it answers from a script
 * and records what it was asked. An answer of `null` waits until the request is aborted, as a long decoding would.
 */
export class ScriptedModel implements TextModel {
  readonly name = "scripted";
  readonly path = "/nowhere/scripted.gguf";
  readonly requests: CompletionRequest[] = [];
  constructor(private readonly answers: (string | null)[]) {}
  async sha256(): Promise<string> { return "ab".repeat(32); }
  async complete(request: CompletionRequest) {
    this.requests.push(request);
    const answer = this.answers.shift();
    if (answer === null) {
      request.onText?.("SELECT count(*)");
      await new Promise((_resolve, reject) => request.signal?.addEventListener("abort", () => reject(request.signal?.reason)));
    }
    return { text: answer ?? "SELECT 1;", tokens: 3, elapsedMs: 1 };
  }
  async close(): Promise<void> {}
}
