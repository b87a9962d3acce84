import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createChecker } from "../../checks/index.js";
import { duckdbConnector } from "../../engines/duckdb/engine.js";
import { LocalSqlGenerator } from "../../models/generator.js";
import { askQuestion } from "../../session/ask.js";
import { Session } from "../../session/session.js";
import { REPO } from "../support/paths.js";
import { ScriptedModel } from "../support/scripted-model.js";

/**
 * The refusal of a data-changing request and the plain-words explanation belong to the one pipeline, so the magic,
 * the CLI, the evaluations and the benchmarks all get them from `askQuestion`'s result.
 */
const DEMO = path.join(REPO, "notebooks", "data", "patents");

let session: Session;
beforeAll(async () => {
  session = new Session({ checker: createChecker(), connectors: [duckdbConnector] });
  await session.connect({ kind: "duckdb", target: DEMO, name: "duckdb" });
});
afterAll(async () => {
  await session.close();
});

describe("askQuestion's result", () => {
  it("is a policy refusal for a delete request: the model is never asked and nothing runs", async () => {
    const model = new ScriptedModel(["DELETE FROM patents;"]);
    const result = await askQuestion(session, new LocalSqlGenerator({ load: async () => model, constrained: false }), { question: "Delete NVIDIA patents" });
    expect(result.kind).toBe("refused");
    expect(result.verdict).toMatchObject({
      verdict: "block",
      category: "policy",
      sql: "",
      findings: [{ message: "StreamLink only reads; deleting rows is not possible here." }],
    });
    expect(model.requests).toHaveLength(0);
  });

  it("carries the explanation of the chosen SQL", async () => {
    const model = new ScriptedModel(["SELECT country, count(*) AS n FROM patents GROUP BY country ORDER BY n DESC LIMIT 3;"]);
    const result = await askQuestion(session, new LocalSqlGenerator({ load: async () => model, constrained: false }), { question: "Top 3 countries by patents?" });
    expect(result.kind === "answer" && result.explanation.sentence).toBe(
      "Counts rows per country from patents; sorted by the number of rows (highest first), keeping the first 3 rows.",
    );
  });
});
