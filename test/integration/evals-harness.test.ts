import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SHARED_DATA } from "../support/paths.js";
import { createChecker } from "../../checks/index.js";
import type { Generation, GenerationRequest, SqlGenerator } from "../../core/llm.js";
import { runEvaluation, type EvalCase } from "../../evals/harness.js";
import { loadQuestionFile, openDuckdbSource } from "../../evals/questions.js";
import { summarise } from "../../evals/report.js";
import { seededSample } from "../../evals/sample.js";
import { loadSpiderDev } from "../../evals/spider/dataset.js";
import { openSpiderSource } from "../../evals/spider/source.js";
import { translateSqliteToDuckdb } from "../../evals/spider/translate.js";

const SPIDER = path.join(SHARED_DATA, "spider");
const PATENTS = path.join(SHARED_DATA, "patents");

/**
 * Stand-ins for the model, to test the harness itself: one answers with a fixed SQL per question (the gold,
 * so a correct harness must score it), the other always writes the same query (which must score nothing).
 */
class ScriptedGenerator implements SqlGenerator {
  readonly asked: string[] = [];
  constructor(private readonly answer: (question: string, request: GenerationRequest<unknown>) => string) {}

  async generate<R>(request: GenerationRequest<R>): Promise<Generation<R>> {
    this.asked.push(request.question);
    const sql = this.answer(request.question, request);
    const report = await request.tryQuery(sql, { attempt: 1, of: 1 });
    return { sql, verdict: report.verdict, report, provenance: { model: "scripted", modelSha256: "", promptVersion: "test", tries: 1, timings: {} } };
  }

  async close(): Promise<void> {}
}

function oracle(cases: readonly EvalCase[], translate: (sql: string) => string): ScriptedGenerator {
  const answers = new Map(cases.map((c) => [c.question, translate(c.goldSql)]));
  return new ScriptedGenerator((question) => answers.get(question) ?? "SELECT 1");
}

describe("evaluation harness on Spider (real DuckDB, real checker)", () => {
  let cache: string;
  let sample: EvalCase[];

  beforeAll(async () => {
    cache = await mkdtemp(path.join(tmpdir(), "spider-cache-"));
    sample = seededSample((await loadSpiderDev(SPIDER)).cases, 60, 1);
  });
  afterAll(async () => {
    await rm(cache, { recursive: true, force: true });
  });

  const options = (generator: SqlGenerator) => ({
    generator,
    checker: createChecker(),
    openSource: (db: string) => openSpiderSource(SPIDER, cache, db),
  });

  it("scores the gold SQL as right on every question whose gold runs on DuckDB", async () => {
    const results = await runEvaluation(sample, options(oracle(sample, (sql) => translateSqliteToDuckdb(sql).sql)));
    const wrong = results.filter((r) => r.goldEngine === "duckdb" && r.status !== "match");
    expect(wrong.map((r) => `${r.id} ${r.status}: ${r.reason ?? ""}`)).toEqual([]);
    const summary = summarise(results, {});
    expect(summary.questions).toBe(60);
    expect(summary.executionAccuracy).toBeGreaterThanOrEqual(0.95);
    expect(summary.medianSeconds).not.toBeNull();
  });

  it("scores a generator that ignores the question as wrong, with the reason", async () => {
    const constant = new ScriptedGenerator((_q, request) => `SELECT count(*) + 1000 AS n FROM "${request.catalog.tables[0]?.name ?? "x"}"`);
    const results = await runEvaluation(sample.slice(0, 20), options(constant));
    expect(constant.asked).toHaveLength(20);
    expect(results.filter((r) => r.status === "match")).toEqual([]);
    expect(results.every((r) => r.status === "mismatch" && typeof r.reason === "string")).toBe(true);
  });

  it("counts a query the checker blocks as blocked, not as an engine error", async () => {
    const writer = new ScriptedGenerator((_q, request) => `DROP TABLE "${request.catalog.tables[0]?.name ?? "x"}"`);
    const results = await runEvaluation(sample.slice(0, 3), options(writer));
    expect(results.map((r) => r.status)).toEqual(["blocked", "blocked", "blocked"]);
    expect(results[0]?.reason).toMatch(/\w/);
  });

  it("asks nothing more once the time budget is spent", async () => {
    const idle = new ScriptedGenerator(() => "SELECT 1");
    expect(await runEvaluation(sample.slice(0, 3), { ...options(idle), budgetMs: 0 })).toEqual([]);
    expect(idle.asked).toEqual([]);
  });
});

describe("evaluation harness on a question file (patents dev)", () => {
  it("scores the gold SQL of all 40 patent questions as right", async () => {
    const cases = await loadQuestionFile(path.join(PATENTS, "questions-dev.jsonl"), "patents");
    expect(cases).toHaveLength(40);
    const results = await runEvaluation(cases, {
      generator: oracle(cases, (sql) => sql),
      checker: createChecker(),
      openSource: (name) => openDuckdbSource(path.join(PATENTS, "canonical"), name),
    });
    expect(results.filter((r) => r.status !== "match").map((r) => `${r.id} ${r.status}: ${r.reason ?? ""}`)).toEqual([]);
  });
});
