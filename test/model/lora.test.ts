/**
 * A LoRA adapter trained by `streamlink adapt train` (test/model/lora/COMMAND.md says how) changes the bundled model's
 * answer as trained, and an adapter of another model is refused before llama.cpp reads it.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { editDistance } from "../../checks/index.js";
import { StreamLinkError } from "../../core/errors.js";
import { loadLlamaModel } from "../../models/llama.js";
import { LocalSqlGenerator, loadRegistry, resolveAdapter, resolveModel, type ChatMessage } from "../../models/index.js";
import { REPO } from "../support/paths.js";

const folder = path.join(REPO, "test", "model", "lora");
const ADAPTER = "test-patents-tiny";
/** The pair the adapter was trained on (the mix's first domain pair), asked exactly as in training. */
const trained = readFileSync(path.join(folder, "train.jsonl"), "utf8").trim().split("\n")
  .map((line) => JSON.parse(line) as { source: string; messages: { role: "system" | "user"; content: string }[]; answer: string })
  .find((r) => r.source === "domain");
if (!trained) throw new Error("test/model/lora/train.jsonl holds no domain pair");
const messages: ChatMessage[] = trained.messages.map((m) => ({ role: m.role, text: m.content }));

async function answer(lora?: string): Promise<string> {
  const model = resolveModel("qwen2.5-coder-1.5b");
  const loaded = await loadLlamaModel(model, lora ? { lora: resolveAdapter(lora, model) } : {});
  try {
    return (await loaded.complete({ messages, maxTokens: 96, temperature: 0 })).text.trim();
  } finally {
    await loaded.close();
  }
}

describe("a LoRA adapter loaded with the bundled model", () => {
  // Two loads of the 1.5B and two greedy answers: ~90 s on 2 cores at load 5.
  it("answers the trained question as trained, where the model alone does not", { timeout: 300_000 }, async () => {
    const without = await answer();
    const withAdapter = await answer(ADAPTER);
    expect(withAdapter).not.toBe(without);
    expect(editDistance(withAdapter, trained.answer)).toBeLessThan(editDistance(without, trained.answer));
  });

  it("is named with its sha256 in the generator's model information (what provenance records)", async () => {
    const generator = new LocalSqlGenerator({ model: "qwen2.5-coder-1.5b", lora: ADAPTER });
    try {
      const info = await generator.model();
      const registered = loadRegistry().models.find((m) => m.name === "qwen2.5-coder-1.5b")?.adapters?.find((a) => a.name === ADAPTER);
      expect(info.adapter).toEqual({ name: ADAPTER, sha256: registered?.sha256 });
    } finally {
      await generator.close();
    }
  });

  it("refuses an adapter trained for the 0.5B model, and a file that is no adapter, keeping the current model", async () => {
    const generator = new LocalSqlGenerator({ model: "qwen2.5-coder-1.5b" });
    try {
      const before = await generator.model();
      const wrongBase = await generator.useModel("qwen2.5-coder-1.5b", path.join(folder, "other-base-0.5b.gguf")).catch((e: unknown) => e);
      expect(wrongBase).toBeInstanceOf(StreamLinkError);
      expect((wrongBase as StreamLinkError).code).toBe("adapter-mismatch");
      expect((wrongBase as StreamLinkError).message).toContain("896-wide hidden states, this one has 1536");
      const notAdapter = await generator.useModel("qwen2.5-coder-1.5b", path.join(folder, "train.jsonl")).catch((e: unknown) => e);
      expect((notAdapter as StreamLinkError).code).toBe("adapter-mismatch");
      expect(await generator.model()).toEqual(before);
    } finally {
      await generator.close();
    }
  });
});
