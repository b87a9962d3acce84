import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PassThrough } from "node:stream";
import { createChecker } from "../../checks/index.js";
import { run as askCommand } from "../../cli/commands/ask.js";
import { duckdbConnector } from "../../engines/duckdb/engine.js";
import { LocalSqlGenerator } from "../../models/generator.js";
import { rowsOf } from "../../session/ask.js";
import { askByAgreement } from "../../session/candidates.js";
import { Session } from "../../session/session.js";
import { ScriptedModel } from "../support/scripted-model.js";
import { answered } from "../support/answered.js";

/** The model ends each answer with a semicolon, as it does. */
const said = (...sql: string[]) => sql.map((s) => `${s};`);
/** One try per candidate, so that each candidate takes exactly one scripted answer. */
const scripted = (model: ScriptedModel) => new LocalSqlGenerator({ load: async () => model, constrained: false, maxTries: 1 });

const ALL_DOGS = "SELECT count(*) FROM dogs";
const BENS_BY_NAME = "SELECT count(*) AS n FROM dogs d JOIN owners o ON o.owner_id = d.owner_id WHERE o.name = 'Ben'";
const BENS_BY_ID = "SELECT count(dog_id) AS dogs FROM dogs WHERE owner_id = 2";
const QUESTION = "How many dogs does Ben have?";

let dir: string;
let session: Session;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "sl-candidates-"));
  await writeFile(path.join(dir, "owners.csv"), "owner_id,name\n1,Ada\n2,Ben\n3,Cleo\n");
  await writeFile(path.join(dir, "dogs.csv"), `dog_id,owner_id\n${[1, 1, 1, 2, 2, 3].map((o, i) => `${i + 1},${o}`).join("\n")}\n`);
  session = new Session({ checker: createChecker(), connectors: [duckdbConnector] });
  await session.connect({ kind: "duckdb", target: dir, name: "kennel" });
});
afterAll(async () => {
  await session.close();
  await rm(dir, { recursive: true, force: true });
});

describe("candidates chosen by execution (session/candidates.ts)", () => {
  it("answers with the result most candidates agree on, however each wrote it, and names the runner-up", async () => {
    const model = new ScriptedModel(said(ALL_DOGS, BENS_BY_NAME, BENS_BY_ID));
    const answer = answered(await askByAgreement(session, scripted(model), { question: QUESTION }));
    expect(answer.sql).toBe(BENS_BY_NAME);
    expect(rowsOf(answer.run!.result.table)).toEqual([[2n]]);
    expect(answer.agreement).toEqual({ confidence: 2 / 3, candidates: 3, unsure: false, runnerUp: ALL_DOGS });
    // the greedy candidate first, then sampled ones that can differ from it
    expect(model.requests.map((r) => r.temperature)).toEqual([undefined, 0.7, 0.7]);
    expect(model.requests.map((r) => r.seed)).toEqual([undefined, 1, 2]);
  });

  it("says it is unsure when no two candidates agree, and a failing candidate does not vote", async () => {
    const model = new ScriptedModel(said("SELECT no_such_column FROM dogs", ALL_DOGS, BENS_BY_ID));
    const answer = answered(await askByAgreement(session, scripted(model), { question: QUESTION }));
    expect(answer.sql).toBe(ALL_DOGS);
    expect(answer.agreement).toEqual({ confidence: 1 / 3, candidates: 3, unsure: true, runnerUp: BENS_BY_ID });
  });

  it("tells a command-line user how many candidates agree, and offers the runner-up when unsure", async () => {
    const ask = async (format: string, answers: string[]) => {
      const stdout = new PassThrough();
      let out = "";
      stdout.on("data", (c: Buffer) => (out += c.toString()));
      const code = await askCommand(["--db", dir, "--format", format, "--candidates", "3", QUESTION], { stdin: new PassThrough(), stdout, stderr: new PassThrough() },
        () => scripted(new ScriptedModel(answers)));
      return { code, out };
    };
    const sure = await ask("json", said(BENS_BY_ID, BENS_BY_NAME, ALL_DOGS));
    expect(sure.code).toBe(0);
    expect(JSON.parse(sure.out)).toMatchObject({ sql: BENS_BY_ID, rows: [[2]], agreement: { confidence: 2 / 3, candidates: 3, unsure: false, runnerUp: ALL_DOGS } });
    const unsure = await ask("table", said(ALL_DOGS, BENS_BY_ID, "SELECT name FROM owners WHERE owner_id = 2"));
    expect(unsure.out).toContain(`-- unsure: 1 of 3 candidates agree (confidence 0.33); I also considered: ${BENS_BY_ID};`);
  });
});
