import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { PassThrough } from "node:stream";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createChecker } from "../../checks/index.js";
import { run as askCommand } from "../../cli/commands/ask.js";
import { AskStoppedError, TooExpensiveError } from "../../core/errors.js";
import type { View } from "../../core/output.js";
import { duckdbConnector } from "../../engines/duckdb/engine.js";
import { tableRows } from "../../evals/compare.js";
import { askMagic } from "../../magics/ask.js";
import type { MagicContext } from "../../magics/magic.js";
import { LocalSqlGenerator } from "../../models/generator.js";
import { askQuestion } from "../../session/ask.js";
import { Session } from "../../session/session.js";
import { REPO } from "../support/paths.js";
import { ScriptedModel } from "../support/scripted-model.js";
import { answered } from "../support/answered.js";

/** The demo data every new user has (notebooks/data/patents: 14,684 patents). */
const DEMO = path.join(REPO, "notebooks", "data", "patents");

const scripted = (answers: (string | null)[]) => new LocalSqlGenerator({ load: async () => new ScriptedModel(answers), constrained: false });

/** Every tuple of three patents of one country: ~10^10 rows on the demo data, far past any time limit. */
const EXPLOSION = "SELECT count(*) AS n FROM patents a JOIN patents b ON a.country = b.country JOIN patents c ON b.country = c.country";
/**
 * Runs, but pairs every row with every row: the generator asks again, and keeps it when no later try runs. On tables
 * this small the checker only warns of the product (on the demo's big tables it refuses it, so no try would run).
 */
const SELF_JOIN = "SELECT o.name, count(*) AS n FROM owners AS o JOIN dogs AS d ON d.owner_id = d.owner_id GROUP BY o.name ORDER BY n DESC, o.name LIMIT 3";
/** A fresh script each time: the scripted model consumes its answers. */
const writes = (): string[] => [`${SELF_JOIN};`, "DELETE FROM dogs;", "DROP TABLE dogs;"];
const KENNEL_QUESTION = "Owners with the most dogs?";

let session: Session;
/** A kennel of 4 owners and 9 dogs, written for the test (CSV files become tables, as in any folder). */
let kennel: string;
let kennelSession: Session;
beforeAll(async () => {
  session = new Session({ checker: createChecker(), connectors: [duckdbConnector] });
  await session.connect({ kind: "duckdb", target: DEMO, name: "demo" });
  kennel = await mkdtemp(path.join(tmpdir(), "sl-kennel-"));
  await writeFile(path.join(kennel, "owners.csv"), "owner_id,name\n1,Ada\n2,Ben\n3,Cleo\n4,Dan\n");
  await writeFile(path.join(kennel, "dogs.csv"), `dog_id,owner_id,breed\n${[1, 1, 1, 2, 2, 3, 3, 3, 4].map((o, i) => `${i + 1},${o},b${i}`).join("\n")}\n`);
  kennelSession = new Session({ checker: createChecker(), connectors: [duckdbConnector] });
  await kennelSession.connect({ kind: "duckdb", target: kennel, name: "kennel" });
});
afterAll(async () => {
  await session.close();
  await kennelSession.close();
  await rm(kennel, { recursive: true, force: true });
});

describe("the %%ask pipeline (session/ask.ts) on the demo data, real checker and DuckDB", () => {
  it("answers with the rows of the try it keeps, not of the last try", async () => {
    const generator = scripted(writes());
    const answer = answered(await askQuestion(kennelSession, generator, { question: KENNEL_QUESTION }));
    expect(answer.tries).toBe(3);
    expect(answer.chosenTry).toBe(1);
    expect(answer.sql).toBe(SELF_JOIN);
    expect(answer.verdict.verdict).toBe("allow");
    expect(answer.error).toBeUndefined();
    const expected = tableRows((await kennelSession.run(SELF_JOIN)).result.table);
    expect(tableRows(answer.run!.result.table)).toEqual(expected);
  });

  it("shows the kept try's own rows in the cell", async () => {
    const views: View[] = [];
    const asking = scripted(writes());
    const cell = new Session({ checker: createChecker(), connectors: [duckdbConnector], generator: async () => asking });
    await cell.connect({ kind: "duckdb", target: kennel, name: "kennel" });
    const context: MagicContext = { session: cell, cwd: REPO, display: (view) => views.push(view), assign: async () => undefined, magicHelp: () => [] };
    await askMagic.run({ tokens: [], body: KENNEL_QUESTION, cellSource: `%%ask\n${KENNEL_QUESTION}` }, context).finally(() => cell.close());
    const sql = views.find((v) => v.kind === "sql");
    expect(sql?.kind === "sql" && sql.sql).toBe(SELF_JOIN);
    expect(sql?.kind === "sql" && sql.title).toContain("try 1 kept");
    const result = views.find((v) => v.kind === "result");
    const expected = tableRows((await kennelSession.run(SELF_JOIN)).result.table);
    expect(result?.kind === "result" && tableRows(result.table)).toEqual(expected);
    // the stages arrived as progress views (updates of one display), ending with the answer's time
    const stages = views.filter((v) => v.kind === "progress").map((v) => (v.kind === "progress" ? v.progress.message : ""));
    expect(stages[0]).toBe("Reading the schema…");
    expect(stages).toContain("Running try 1 of 3…");
    expect(stages).toContain("Checking try 2 of 3…");
    expect(stages.at(-1)).toMatch(/^Answered in [\d.]+ s\.$/);
  });

  it("prints the kept try's own rows from the command line", async () => {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const chunks: string[] = [];
    stdout.on("data", (c: Buffer) => chunks.push(c.toString()));
    const code = await askCommand(["--db", kennel, "--format", "json", KENNEL_QUESTION], { stdin: new PassThrough(), stdout, stderr },
      () => scripted(writes()));
    expect(code).toBe(0);
    const printed = JSON.parse(chunks.join("")) as { sql: string; rows: unknown[][]; provenance: { chosenTry: number } };
    expect(printed.sql).toBe(SELF_JOIN);
    expect(printed.provenance.chosenTry).toBe(1);
    const expected = tableRows((await kennelSession.run(SELF_JOIN)).result.table).rows.map((r) => r.map((v) => (typeof v === "bigint" ? Number(v) : v)));
    expect(printed.rows).toEqual(expected);
  });

  it("stops a cartesian explosion at the time limit, tells the model it is too expensive, and keeps the session usable", async () => {
    session.config.ask_timeout_s = 1;
    try {
      const model = new ScriptedModel([`${EXPLOSION};`, "SELECT country, count(*) AS n FROM patents GROUP BY country ORDER BY n DESC, country;"]);
      const generator = new LocalSqlGenerator({ load: async () => model, constrained: false });
      const started = performance.now();
      const answer = answered(await askQuestion(session, generator, { question: "How many patents share a country?" }));
      expect(performance.now() - started).toBeLessThan(10_000);
      expect(answer.tries).toBe(2);
      expect(answer.run?.result.table.numRows).toBeGreaterThan(0);
      expect(model.requests[1]?.messages.at(-1)?.text).toContain("this query is too expensive: it ran longer than 1 s and was stopped");

      // every try too expensive: a clear error, not a hung cell
      const stubborn = scripted([`${EXPLOSION};`, `${EXPLOSION} WHERE a.kind = 'B2';`, `${EXPLOSION} WHERE b.kind = 'B2';`]);
      const t0 = performance.now();
      const failed = answered(await askQuestion(session, stubborn, { question: "How many patents share a country?" }));
      expect(performance.now() - t0).toBeLessThan(15_000);
      expect(failed.error).toBeInstanceOf(TooExpensiveError);
      expect(failed.error?.message).toMatch(/too expensive: it ran longer than 1 s/);
      expect(tableRows((await session.run("SELECT 42 AS answer")).result.table).rows).toEqual([[42]]);
    } finally {
      session.config.ask_timeout_s = 30;
    }
  });

  it("stops decoding within a second of the stop button and says where it was", async () => {
    const generator = scripted([null]);
    let writing: () => void = () => undefined;
    const started = new Promise<void>((resolve) => { writing = resolve; });
    const asking = askQuestion(session, generator, { question: "How many patents?", onStage: (stage) => { if (stage.kind === "writing") writing(); } });
    await started;
    const stopped = performance.now();
    await session.cancel();
    const error = await asking.then(() => undefined, (e: unknown) => e);
    expect(performance.now() - stopped).toBeLessThan(1_000);
    expect(error).toBeInstanceOf(AskStoppedError);
    expect((error as Error).message).toBe("Stopped while writing SQL (try 1 of 3).");
    expect(tableRows((await session.run("SELECT 1 AS one")).result.table).rows).toEqual([[1]]);
  });

  it("stops a running candidate query within a second of the stop button", async () => {
    const generator = scripted([`${EXPLOSION};`]);
    const asking = askQuestion(session, generator, { question: "How many patents share a country?" });
    await new Promise((resolve) => setTimeout(resolve, 700));
    const stopped = performance.now();
    await session.cancel();
    const error = await asking.then(() => undefined, (e: unknown) => e);
    expect(performance.now() - stopped).toBeLessThan(1_000);
    expect(error).toBeInstanceOf(AskStoppedError);
    expect((error as Error).message).toBe("Stopped while running try 1 of 3.");
  });
});
