import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createChecker } from "../../checks/index.js";
import { run as askCommand } from "../../cli/commands/ask.js";
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

/** Every tuple of three patents of one country: ~10^10 rows on the demo data, far past any time limit. */
const EXPLOSION = "SELECT count(*) AS n FROM patents a JOIN patents b ON a.country = b.country JOIN patents c ON b.country = c.country";

describe("streamlink ask --questions", () => {
  it("holds each question to the time limit, so one expensive answer does not hold up the next", async () => {
    const file = path.join(await mkdtemp(path.join(tmpdir(), "sl-batch-")), "questions.jsonl");
    await writeFile(file, [
      JSON.stringify({ id: "explodes", question: "How many patents share a country?" }),
      JSON.stringify({ id: "counts", question: "How many patents?" }),
    ].join("\n"));
    const answers = [`${EXPLOSION};`, `${EXPLOSION} WHERE a.kind = 'B2';`, `${EXPLOSION} WHERE b.kind = 'B2';`, "SELECT count(*) AS n FROM patents;"];
    const stdout = new PassThrough();
    const chunks: string[] = [];
    stdout.on("data", (c: Buffer) => chunks.push(c.toString()));
    const code = await askCommand(["--db", DEMO, "--timeout", "1", "--questions", file], { stdin: new PassThrough(), stdout, stderr: new PassThrough() },
      () => new LocalSqlGenerator({ load: async () => new ScriptedModel(answers), constrained: false }));
    expect(code).toBe(0);
    const lines = chunks.join("").trim().split("\n").map((l) => JSON.parse(l) as { id: string; error: string | null; ms: number; tries: number });
    expect(lines.map((l) => [l.id, l.tries])).toEqual([["explodes", 3], ["counts", 1]]);
    expect(lines[0]?.error).toMatch(/too expensive: it ran longer than 1 s/);
    // Three tries of at most 1 s each, plus checking: far from the minutes the product would take.
    expect(lines[0]?.ms).toBeLessThan(10_000);
    expect(lines[1]?.error).toBeNull();
  });
});
