/**
 * `%%ask --sql-only` shows the engine's plan of the answer and runs nothing; an answer that runs can be paged by the
 * viewer. A scripted model writes the SQL; the checker and DuckDB are real.
 */
import path from "node:path";
import { describe, expect, it } from "vitest";
import { createChecker } from "../../checks/index.js";
import type { View } from "../../core/output.js";
import type { PlanOperator } from "../../core/plan.js";
import { duckdbConnector } from "../../engines/duckdb/engine.js";
import { askMagic } from "../../magics/ask.js";
import type { MagicContext } from "../../magics/magic.js";
import { LocalSqlGenerator } from "../../models/generator.js";
import { Session } from "../../session/session.js";
import { REPO } from "../support/paths.js";
import { ScriptedModel } from "../support/scripted-model.js";

const DEMO = path.join(REPO, "notebooks", "data", "patents");
const ANSWER = "SELECT country, count(*) AS n FROM patents GROUP BY country ORDER BY n DESC";
const QUESTION = "How many patents per country?";

async function ask(tokens: string[]): Promise<View[]> {
  const views: View[] = [];
  const model = new LocalSqlGenerator({ load: async () => new ScriptedModel([ANSWER]), constrained: false });
  const session = new Session({ checker: createChecker(), connectors: [duckdbConnector], generator: async () => model });
  await session.connect({ kind: "duckdb", target: DEMO, name: "demo" });
  const context: MagicContext = { session, cwd: REPO, display: (view) => views.push(view), assign: async () => undefined, magicHelp: () => [] };
  await askMagic.run({ tokens, body: QUESTION, cellSource: `%%ask ${tokens.join(" ")}\n${QUESTION}` }, context).finally(() => session.close());
  return views;
}

describe("%%ask and the cost of its answer", () => {
  it("--sql-only shows the engine's plan with estimated rows, and no result", async () => {
    const views = await ask(["--sql-only"]);
    const plan = views.find((v) => v.kind === "plan");
    const names = (ops: readonly PlanOperator[]): string[] => ops.flatMap((op) => [op.name, ...names(op.children)]);
    // The plan of what would run: the checker's row cap (a LIMIT) above the sort, the grouping and the scan.
    expect(plan?.kind === "plan" && names(plan.plan.operators)).toEqual(expect.arrayContaining(["ORDER_BY", "HASH_GROUP_BY", "READ_PARQUET"]));
    expect(plan?.kind === "plan" && plan.plan.scanRows).toBeGreaterThan(0);
    expect(views.some((v) => v.kind === "result")).toBe(false);
  });

  it("an answer that runs carries a page id for the viewer", async () => {
    const result = (await ask([])).find((v) => v.kind === "result");
    expect(result?.kind === "result" && result.page?.sql).toBe(ANSWER);
  });
});
