import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StreamLinkError } from "../../core/errors.js";
import { loadLlamaModel } from "../../models/llama.js";
import { resolveModel, type TextModel } from "../../models/index.js";

/**
 * A prompt longer than the model's sequence holds (a big schema on the model service's 4,096-token workers) used to
 * be cut from its start without a word; the user now gets a clear error and the model keeps answering.
 */
describe("a prompt that does not fit the model's context", () => {
  let model: TextModel;
  beforeAll(async () => {
    model = await loadLlamaModel(resolveModel(undefined), { contextSize: 512, threads: 1 });
  }, 300_000);
  afterAll(async () => { await model?.close(); });

  it("is refused with the token counts and a hint, and the next request is answered", { timeout: 300_000 }, async () => {
    const schema = Array.from({ length: 120 }, (_, i) => `CREATE TABLE t${i} (id INTEGER, name VARCHAR);`).join("\n");
    const error = await model.complete({ messages: [{ role: "system", text: schema }, { role: "user", text: "How many rows are in t1?" }], maxTokens: 64 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StreamLinkError);
    const refused = error as StreamLinkError;
    expect(refused.code).toBe("prompt-too-long");
    expect(refused.message).toMatch(/prompt takes \d+ tokens and its answer up to 64, more than the 512 tokens/);
    expect(refused.hint).toContain("fewer tables");
    expect(Number(refused.data["promptTokens"])).toBeGreaterThan(512);

    const answer = await model.complete({ messages: [{ role: "user", text: "Say OK." }], maxTokens: 4 });
    expect(answer.text.length).toBeGreaterThan(0);
  });
});
