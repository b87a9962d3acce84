import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { StreamLinkError, UsageError } from "../../core/errors.js";
import { ExampleStore, retrieveExamples } from "../../models/examples.js";
import { loadRegistry, registerAdapter, resolveAdapter, resolveModel, sha256File } from "../../models/registry.js";
import { loadPrompts, PROMPT_FILES } from "../../models/prompts.js";

describe("model registry", () => {
  it("lists every bundled model with its PyPI parts, sha256 and what its GGUF says it is", () => {
    const registry = loadRegistry();
    expect(registry.models.map((m) => m.name)).toContain(registry.default);
    for (const model of registry.models) {
      expect(model.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(model.parts.length).toBeGreaterThan(0);
      expect(model.gguf.architecture).not.toBe("");
    }
    expect(registry.models.find((m) => m.name === "qwen2.5-coder-1.5b")?.gguf.generalName).toBe("Qwen2.5 Coder 1.5B Instruct GGUF");
  });

  it("says how to fetch a bundled model that is not on this machine", () => {
    const empty = mkdtempSync(path.join(tmpdir(), "sl-models-"));
    const error = (() => { try { resolveModel("qwen2.5-coder-0.5b", loadRegistry(), empty); } catch (e) { return e; } })();
    expect(error).toBeInstanceOf(StreamLinkError);
    expect((error as StreamLinkError).hint).toContain("scripts/setup-models.sh qwen2.5-coder-0.5b");
  });

  it("rejects unknown names and missing paths with a hint, and takes any existing local file", async () => {
    expect(() => resolveModel("gpt-17")).toThrow(UsageError);
    expect(() => resolveModel("/nowhere/model.gguf")).toThrow(/No model file/);
    const dir = mkdtempSync(path.join(tmpdir(), "sl-gguf-"));
    const file = path.join(dir, "mine.gguf");
    writeFileSync(file, "abc");
    expect(resolveModel(file)).toMatchObject({ name: "mine.gguf", path: file });
    expect(await sha256File(file)).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });
});

describe("prompts", () => {
  it("loads every prompt file and versions them by content", () => {
    const prompts = loadPrompts();
    expect(prompts.version).toMatch(/^sql-[0-9a-f]{12}$/);
    expect(PROMPT_FILES).toContain("system");
    expect(prompts.render("repair", { problem: "X failed" })).toContain("X failed");
    expect(() => prompts.render("repair", {})).toThrow(/needs a value for \{\{problem\}\}/);
  });
});

describe("saved examples (%remember)", () => {
  it("adds, replaces by question and keeps the file valid JSON", () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), "sl-ex-")), "streamlink-examples.json");
    const store = new ExampleStore(file);
    expect(store.list()).toEqual([]);
    store.add("How many patents?", "SELECT count(*) FROM patents;");
    store.add("How many patents?", "SELECT count(*) AS n FROM patents");
    store.add("Patents per country", "SELECT country, count(*) FROM patents GROUP BY country");
    expect(store.list().map((e) => e.sql)).toEqual(["SELECT count(*) AS n FROM patents", "SELECT country, count(*) FROM patents GROUP BY country"]);
    expect(() => store.add("", "SELECT 1")).toThrow(UsageError);
  });

  it("keeps the user's notes when a pair is added", () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), "sl-ex-")), "streamlink-examples.json");
    writeFileSync(file, JSON.stringify({ notes: ["granted means grant_date IS NOT NULL"], examples: [] }));
    const store = new ExampleStore(file);
    store.add("How many granted patents?", "SELECT count(*) FROM patents WHERE grant_date IS NOT NULL");
    expect(store.notes()).toEqual(["granted means grant_date IS NOT NULL"]);
    expect(store.list()).toHaveLength(1);
  });

  it("retrieves the pairs closest to the question, closest last", () => {
    const examples = ["patents per country", "top inventors by patents", "claims of NVIDIA patents", "CPC groups of Sony"]
      .map((question) => ({ question, sql: "SELECT 1" }));
    const picked = retrieveExamples("average claims of NVIDIA patents per year", examples, 2);
    expect(picked).toHaveLength(2);
    expect(picked.at(-1)?.question).toBe("claims of NVIDIA patents");
    expect(retrieveExamples("anything", examples.slice(0, 2), 5)).toHaveLength(2);
  });
});

describe("LoRA adapters in the registry", () => {
  const base = loadRegistry();
  const withAdapter = (file: string) => ({
    ...base,
    models: base.models.map((m) => m.name === "qwen2.5-coder-0.5b" ? { ...m, adapters: [{ name: "shop", file, sha256: "0".repeat(64), base: m.name, data: "test", steps: 3, loss: 1.5 }] } : m),
  });
  const model = (name: string) => ({ name, path: `/models/${name}.gguf`, contextSize: 4096 });
  const failure = (work: () => unknown) => { try { work(); } catch (e) { return e as StreamLinkError; } throw new Error("no error"); };

  it("refuses an adapter registered for another base model, naming the model it needs", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "sl-lora-"));
    writeFileSync(path.join(dir, "shop.gguf"), "x");
    const error = failure(() => resolveAdapter("shop", model("qwen2.5-coder-1.5b"), withAdapter("shop.gguf"), dir));
    expect(error.code).toBe("adapter-mismatch");
    expect(error.message).toContain("trained for qwen2.5-coder-0.5b, not for qwen2.5-coder-1.5b");
    expect(error.hint).toContain("%model qwen2.5-coder-0.5b --lora shop");
    expect(resolveAdapter("shop", model("qwen2.5-coder-0.5b"), withAdapter("shop.gguf"), dir)).toMatchObject({ name: "shop", path: path.join(dir, "shop.gguf") });
  });

  it("says when a registered adapter's file or a given path is missing, listing what is registered", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "sl-lora-"));
    const registered = failure(() => resolveAdapter("shop", model("qwen2.5-coder-0.5b"), withAdapter("gone.gguf"), dir));
    expect(registered.code).toBe("adapter-missing");
    expect(registered.hint).toContain("streamlink adapt train");
    const given = failure(() => resolveAdapter("/nowhere/lora.gguf", model("qwen2.5-coder-0.5b"), withAdapter("gone.gguf"), dir));
    expect(given.code).toBe("adapter-missing");
    expect(given.hint).toContain("shop for qwen2.5-coder-0.5b");
  });

  it("registers an adapter on its base model's entry, replacing one of the same name, with its file relative to the checkout", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "sl-lora-"));
    const file = path.join(dir, "registry.json");
    writeFileSync(file, JSON.stringify({ default: "m", models: [{ name: "m", file: "m.gguf", sha256: "a", contextSize: 1, parts: [] }] }));
    const entry = { name: "shop", file: path.join(dir, "lora", "shop.gguf"), sha256: "b".repeat(64), base: "m", data: "pairs", steps: 5, loss: 0.5 };
    registerAdapter(entry, file, dir);
    registerAdapter({ ...entry, steps: 9 }, file, dir);
    const written = JSON.parse(readFileSync(file, "utf8")) as { models: { adapters: unknown[] }[] };
    expect(written.models[0]?.adapters).toEqual([{ ...entry, file: path.join("lora", "shop.gguf"), steps: 9 }]);
    expect(() => registerAdapter({ ...entry, base: "other" }, file, dir)).toThrow(/No model other/);
  });
});
