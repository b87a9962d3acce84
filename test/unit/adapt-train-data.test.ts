import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { SPIDER_EVAL_SAMPLES, mixOneToOne, spiderPublicPairs, trainingRecords, type SchemaPair, type TrainingRecord } from "../../adapt/train-data.js";
import { createChecker } from "../../checks/index.js";
import type { Catalog } from "../../core/catalog.js";
import { seededSample } from "../../evals/sample.js";
import { loadSpiderDev } from "../../evals/spider/dataset.js";
import type { SchemaProfile } from "../../models/profile.js";
import { loadPrompts } from "../../models/prompts.js";

const catalog: Catalog = {
  tables: [
    { name: "patents", columns: [{ name: "publication_number", type: "VARCHAR", nullable: false }, { name: "country", type: "VARCHAR", nullable: true }] },
    { name: "inventors", columns: [{ name: "publication_number", type: "VARCHAR", nullable: false }, { name: "name", type: "VARCHAR", nullable: true }] },
  ],
};
const profile: SchemaProfile = {
  dialect: "duckdb",
  tables: catalog.tables.map((t) => ({ name: t.name, columns: t.columns.map((c) => ({ name: c.name, type: c.type, kind: "other" as const, samples: [] })) })),
};
const pair = (id: string, question: string, sql: string): SchemaPair => ({ id, question, sql, catalog, profile });
const record = (source: TrainingRecord["source"], i: number): TrainingRecord => ({ id: `${source}-${i}`, source, messages: [], answer: "" });

describe("LoRA training pairs", () => {
  it("asks each pair with the generator's prompt, the schema cut to the tables its SQL reads, and the SQL on one line", async () => {
    const [one, join] = await trainingRecords([
      pair("a", "How many Japanese patents?", "SELECT count(*)\n  FROM patents WHERE country = 'JP'"),
      pair("b", "Inventors of Japanese patents?", "SELECT i.name FROM inventors i JOIN patents p ON p.publication_number = i.publication_number WHERE p.country = 'JP'"),
    ], "domain", createChecker(), loadPrompts());
    expect(one?.messages[0]?.content).toContain("CREATE TABLE patents");
    expect(one?.messages[0]?.content).not.toContain("inventors");
    expect(one?.messages[1]?.content).toContain("Question: How many Japanese patents?");
    expect(one?.answer).toBe("SELECT count(*) FROM patents WHERE country = 'JP';");
    expect(join?.messages[0]?.content).toContain("CREATE TABLE inventors");
    expect(join?.messages[0]?.content).toContain("CREATE TABLE patents");
  });

  it("leaves out a pair whose SQL reads no table of its schema", async () => {
    const records = await trainingRecords([pair("x", "Files?", "SELECT * FROM read_csv('/etc/passwd')"), pair("y", "One?", "SELECT 1")], "domain", createChecker(), loadPrompts());
    expect(records).toEqual([]);
  });

  it("mixes domain and public pairs 1:1, alternating, the longer side cut, in an order fixed by the seed", () => {
    const domain = Array.from({ length: 5 }, (_x, i) => record("domain", i));
    const publicPairs = Array.from({ length: 3 }, (_x, i) => record("public", i));
    const mix = mixOneToOne(domain, publicPairs, 7);
    expect(mix.map((r) => r.source)).toEqual(["domain", "public", "domain", "public", "domain", "public"]);
    expect(new Set(mix.filter((r) => r.source === "public").map((r) => r.id)).size).toBe(3);
    expect(mixOneToOne(domain, publicPairs, 7)).toEqual(mix);
    expect(mixOneToOne(domain, publicPairs, 8).map((r) => r.id)).not.toEqual(mix.map((r) => r.id));
  });

  it("never takes a public pair from a Spider sample that the reports evaluate", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "sl-spider-"));
    mkdirSync(path.join(dir, "database", "shop"), { recursive: true });
    writeFileSync(path.join(dir, "database", "shop", "shop.sqlite"), "");
    const dev = Array.from({ length: 600 }, (_x, i) => ({ db_id: "shop", question: `How many items cost ${i}?`, query: `SELECT count(*) FROM item WHERE price = ${i}` }));
    writeFileSync(path.join(dir, "dev.json"), JSON.stringify(dev));
    writeFileSync(path.join(dir, "tables.json"), JSON.stringify([{ db_id: "shop", table_names_original: ["item"], column_names_original: [[-1, "*"], [0, "price"]], column_types: ["text", "number"] }]));
    const pairs = await spiderPublicPairs(dir);
    const cases = (await loadSpiderDev(dir)).cases;
    const evaluated = new Set(SPIDER_EVAL_SAMPLES.flatMap((s) => seededSample(cases, s.limit, s.seed).map((c) => `spider-${c.id}`)));
    expect(pairs.length).toBe(600 - evaluated.size);
    expect(pairs.some((p) => evaluated.has(p.id))).toBe(false);
    expect(pairs[0]?.catalog.tables).toEqual([{ name: "item", columns: [{ name: "price", type: "DOUBLE", nullable: true }] }]);
  });
});
