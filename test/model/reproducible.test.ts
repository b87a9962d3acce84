import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createChecker } from "../../checks/index.js";
import { runEvaluation, type EvalCase } from "../../evals/harness.js";
import { loadSpiderDev } from "../../evals/spider/dataset.js";
import { openSpiderSource } from "../../evals/spider/source.js";
import { LocalSqlGenerator } from "../../models/index.js";
import { SHARED_DATA } from "../support/paths.js";

const SPIDER = path.join(SHARED_DATA, "spider");

/**
 * Greedy decoding must give one answer per question, whatever was asked before it on the same model. It did not:
 * on the Spider seed-2 sample, "Show the name of teachers aged either 32 or 33?" asked alone was answered right,
 * and asked after another course_teach question it gained a join that lost every row (the prompt was the same;
 * the model read it from what the earlier question left in its context).
 */
describe("the same question gets the same SQL whatever was asked before", () => {
  let cache: string;
  let cases: Map<string, EvalCase>;
  beforeAll(async () => {
    cache = await mkdtemp(path.join(tmpdir(), "spider-cache-"));
    cases = new Map((await loadSpiderDev(SPIDER)).cases.map((c) => [c.id, c]));
  });
  afterAll(async () => { await rm(cache, { recursive: true, force: true }); });

  const ask = async (ids: readonly string[]) => {
    const generator = new LocalSqlGenerator();
    try {
      return await runEvaluation(ids.map((id) => cases.get(id)!), { generator, checker: createChecker(), openSource: (db) => openSpiderSource(SPIDER, cache, db) });
    } finally {
      await generator.close();
    }
  };

  it("answers a question alone as it does after another one, and again when asked twice", { timeout: 600_000 }, async () => {
    const [, after, again] = await ask(["dev-384", "dev-389", "dev-389"]);
    const [alone] = await ask(["dev-389"]);
    expect([after?.id, again?.id]).toEqual(["dev-389", "dev-389"]);
    expect(after?.sql).toBe(alone?.sql);
    expect(again?.sql).toBe(alone?.sql);
    expect(after?.status).toBe(alone?.status);
  });
});
