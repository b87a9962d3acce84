import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { StreamLinkError, UsageError } from "../../core/errors.js";
import { ExampleStore, retrieveExamples } from "../../models/examples.js";
import { loadRegistry, resolveModel, sha256File } from "../../models/registry.js";
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
