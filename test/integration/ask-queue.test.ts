import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createChecker } from "../../checks/index.js";
import type { View } from "../../core/output.js";
import { duckdbConnector } from "../../engines/duckdb/engine.js";
import { askMagic } from "../../magics/ask.js";
import type { MagicContext } from "../../magics/magic.js";
import { LocalSqlGenerator } from "../../models/generator.js";
import { connectRemoteModel } from "../../service/client.js";
import { Scheduler } from "../../service/scheduler.js";
import { startServer, type RunningServer } from "../../service/server.js";
import { Session } from "../../session/session.js";
import { FakeWorker } from "../support/fake-worker.js";
import { REPO } from "../support/paths.js";

/**
 * `%%ask` on a kernel whose model is the shared service (real scheduler and HTTP, one fake worker): while other
 * users' questions hold the worker, the cell's progress line says where the question waits, through the same
 * stage display as writing, checking and running.
 */
const MODEL = { name: "scripted", path: "/nowhere/scripted.gguf", sha256: "ab".repeat(32) };
const ASK = { messages: [{ role: "user" as const, text: "q" }], maxTokens: 8 };
const until = async (done: () => boolean) => { while (!done()) await new Promise((r) => setTimeout(r, 5)); };

let folder: string;
let scheduler: Scheduler;
let server: RunningServer;
const worker = new FakeWorker("w1");
beforeAll(async () => {
  folder = await mkdtemp(path.join(tmpdir(), "sl-queue-"));
  await writeFile(path.join(folder, "dogs.csv"), "dog_id,breed\n1,collie\n2,pug\n3,pug\n");
  scheduler = new Scheduler({ workers: 1, spawn: async () => worker });
  await scheduler.start();
  server = await startServer(scheduler, { port: 0, token: "secret", model: MODEL });
});
afterAll(async () => {
  await server.close();
  await scheduler.close();
  await rm(folder, { recursive: true, force: true });
});

describe("%%ask through the shared model service", () => {
  it("shows 'queued, N ahead, about S s' while others hold the model, then the answer", async () => {
    const remote = (user: string) => connectRemoteModel({ url: server.url, token: "secret", user, priority: "interactive" });
    const ann = (await remote("ann")).complete(ASK);
    await until(() => worker.started.length === 1);
    const cy = (await remote("cy")).complete(ASK);
    await until(() => scheduler.metrics().queue === 1);

    const session = new Session({ checker: createChecker(), connectors: [duckdbConnector], generator: async () => new LocalSqlGenerator({ load: () => remote("bob"), constrained: false }) });
    await session.connect({ kind: "duckdb", target: folder, name: "kennel" });
    const views: View[] = [];
    const context: MagicContext = { session, cwd: REPO, display: (view) => views.push(view), assign: async () => undefined, magicHelp: () => [] };
    const question = "How many dogs?";
    const cell = askMagic.run({ tokens: [], body: question, cellSource: `%%ask\n${question}` }, context);
    const progress = () => views.flatMap((v) => (v.kind === "progress" ? [v.progress.message] : []));
    await until(() => progress().some((m) => m.startsWith("Queued")));
    expect(progress().find((m) => m.startsWith("Queued"))).toMatch(/^Queued, 1 ahead, about \d+ s \(try 1 of 3\)…$/);

    worker.finish(worker.started[0]!.id);
    await ann;
    await until(() => worker.started.length === 2);
    worker.finish(worker.started[1]!.id);
    await cy;
    await until(() => worker.started.length === 3);
    expect(worker.started.map((j) => j.user)).toEqual(["ann", "cy", "bob"]);
    worker.finish(worker.started[2]!.id, "SELECT count(*) AS n FROM dogs;");
    await cell.finally(() => session.close());
    expect(progress().some((m) => m.startsWith("Queued, 0 ahead"))).toBe(true);
    expect(views.find((v) => v.kind === "sql")).toMatchObject({ sql: expect.stringMatching(/count\(\*\)/i) });
  });
});
