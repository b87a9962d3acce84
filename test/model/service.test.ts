import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createChecker } from "../../checks/index.js";
import { duckdbConnector } from "../../engines/duckdb/engine.js";
import { modelLoader } from "../../kernel/compose.js";
import { loadLlamaModel } from "../../models/llama.js";
import { ExampleStore, LocalSqlGenerator, resolveModel } from "../../models/index.js";
import { connectRemoteModel } from "../../service/client.js";
import { readState, readToken, serviceStatus, startService, stopService } from "../../service/control.js";
import type { ServiceState } from "../../service/state.js";
import { askQuestion } from "../../session/ask.js";
import { Session } from "../../session/session.js";
import { cli } from "../support/cli.js";
import { killBusyWorker } from "../support/serve.js";
import { CANONICAL, REPO } from "../support/paths.js";
import { answered } from "../support/answered.js";

/**
 * The shared model service with 2 real worker processes (one thread each: the machine is shared), started the way
 * `streamlink serve start` starts it. Asking through it must give the SQL the in-process model gives, and a worker
 * killed mid-question must not lose the question or answer it twice.
 */
const stateDir = mkdtempSync(path.join(tmpdir(), "streamlink-serve-"));
let state: ServiceState;
let session: Session;
const store = new ExampleStore(path.join(REPO, "notebooks", "streamlink-examples.json"));
const settings = { examples: store.list(), notes: store.notes() };

beforeAll(async () => {
  state = await startService({ workers: 2, threads: 1, sequences: 2, port: 0, stateDir });
  session = new Session({ checker: createChecker(), connectors: [duckdbConnector], generator: async () => { throw new Error("unused"); } });
  await session.connect({ kind: "duckdb", target: CANONICAL, name: "patents" });
}, 600_000);

afterAll(async () => {
  await session?.close();
  const { stopped } = await stopService(stateDir);
  expect(stopped).toBe(state.pid);
  rmSync(stateDir, { recursive: true, force: true });
});

describe("the shared model service", () => {
  it("keeps its token readable by its owner only and answers nothing without it", async () => {
    expect(statSync(state.tokenFile).mode & 0o777).toBe(0o600);
    const response = await fetch(new URL("/metrics", state.url));
    expect(response.status).toBe(401);
    expect(new URL(state.url).hostname).toBe("127.0.0.1");
  });

  it("writes the same SQL for %%ask as the model loaded in-process", { timeout: 900_000 }, async () => {
    const env = { STREAMLINK_MODEL_URL: state.url, STREAMLINK_MODEL_TOKEN_FILE: state.tokenFile, USER: "ann" };
    const remote = new LocalSqlGenerator({ ...settings, load: modelLoader("interactive", env) });
    const local = new LocalSqlGenerator({ ...settings, load: async (name) => loadLlamaModel(resolveModel(name), { threads: 1 }) });
    try {
      for (const question of ["How many patents have 'ray tracing' in the title?", "How many patents was NVIDIA granted each year since 2018?"]) {
        const viaService = answered(await askQuestion(session, remote, { question }));
        const inProcess = answered(await askQuestion(session, local, { question }));
        expect(viaService.error).toBeUndefined();
        expect(viaService.sql).toBe(inProcess.sql);
        expect(viaService.provenance.modelSha256).toBe(inProcess.provenance.modelSha256);
      }
    } finally {
      await local.close();
      await remote.close();
    }
    const status = await serviceStatus(stateDir);
    expect(status.service === "running" && status.users["ann"]?.answered).toBeGreaterThanOrEqual(2);
  });

  it("answers a question exactly once when the worker decoding it is killed", { timeout: 900_000 }, async () => {
    const before = await serviceStatus(stateDir);
    if (before.service !== "running") throw new Error("the service is not running");
    const model = await connectRemoteModel({ url: state.url, token: readToken(state), user: "bob", priority: "interactive" });
    const shown: string[] = [];
    const answer = model.complete({ messages: [{ role: "user", text: "Count from 1 to 40, separated by commas." }], maxTokens: 60, onText: (text) => shown.push(text) });
    const victim = await killBusyWorker(stateDir);
    const completion = await answer;
    expect(completion.text).toMatch(/1, 2, 3/);
    // The cell saw the text as it was written, started over on the new worker, and ending as the answer.
    expect(shown.length).toBeGreaterThan(1);
    expect(shown.at(-1)).toBe(completion.text);
    const after = await serviceStatus(stateDir);
    if (after.service !== "running") throw new Error("the service stopped");
    expect(after.answered - before.answered).toBe(1);
    expect(after.retried - before.retried).toBe(1);
    expect(after.workersReplaced - before.workersReplaced).toBe(1);
    expect(after.users["bob"]).toMatchObject({ asked: 1, answered: 1 });
    expect(after.workers.map((w) => w.pid)).not.toContain(victim);
    expect(readState(stateDir)?.pid).toBe(state.pid);
  });

  it("prints its state for tools with `serve status --format json`", async () => {
    process.env["STREAMLINK_SERVE_DIR"] = stateDir;
    const printed = await cli("serve", "status", "--format", "json").finally(() => { delete process.env["STREAMLINK_SERVE_DIR"]; });
    expect(printed.code).toBe(0);
    const status = JSON.parse(printed.stdout) as { url: string; queue: number; workers: { state: string }[] };
    expect(status.url).toBe(state.url);
    expect(status.queue).toBe(0);
    expect(status.workers.map((w) => w.state)).toEqual(["ready", "ready"]);
  });
});
