import { afterEach, describe, expect, it } from "vitest";
import { StreamLinkError } from "../../core/errors.js";
import type { ModelWait } from "../../core/llm.js";
import type { TextModel } from "../../models/text-model.js";
import { connectRemoteModel } from "../../service/client.js";
import { ModelBusyError } from "../../service/protocol.js";
import { Scheduler } from "../../service/scheduler.js";
import { startServer, type RunningServer } from "../../service/server.js";
import { FakeWorker } from "../support/fake-worker.js";

/** The service's HTTP face and the kernel's client, over a scheduler with one fake worker (no model). */
const MODEL = { name: "qwen2.5-coder-1.5b", path: "/models/q.gguf", sha256: "ab".repeat(32) };
let server: RunningServer | undefined;
let scheduler: Scheduler | undefined;

async function service(options: { maxQueue?: number } = {}) {
  const worker = new FakeWorker("w1");
  scheduler = new Scheduler({ workers: 1, spawn: async () => worker, ...options });
  await scheduler.start();
  server = await startServer(scheduler, { port: 0, token: "secret", model: MODEL });
  return { worker, scheduler, url: server.url };
}

const connect = (url: string, user: string, token = "secret"): Promise<TextModel> =>
  connectRemoteModel({ url, token, user, priority: "interactive" });
const ASK = { messages: [{ role: "user" as const, text: "q" }], maxTokens: 8, grammar: "root ::= \"x\"" };
const until = async (done: () => boolean) => { while (!done()) await new Promise((r) => setTimeout(r, 5)); };

afterEach(async () => {
  await server?.close();
  await scheduler?.close();
});

describe("the model service over HTTP", () => {
  it("serves the model's name and digest, and passes the grammar and sampling through to a worker", async () => {
    const { worker, url } = await service();
    const model = await connect(url, "ann");
    expect(model.name).toBe(MODEL.name);
    expect(await model.sha256()).toBe(MODEL.sha256);
    const waits: ModelWait[] = [];
    const answer = model.complete({ ...ASK, temperature: 0.7, seed: 3, onWait: (w) => waits.push(w) });
    await until(() => worker.started.length === 1);
    expect(worker.started[0]).toMatchObject({ user: "ann", priority: "interactive", request: { grammar: ASK.grammar, temperature: 0.7, seed: 3, maxTokens: 8 } });
    worker.finish(1);
    await expect(answer).resolves.toMatchObject({ text: "answer 1 from w1", tokens: 10 });
    expect(waits).toEqual([{ state: "running" }]);
  });

  it("shows the answer's text as the worker decodes it, as the in-process model does", async () => {
    const { worker, url } = await service();
    const model = await connect(url, "ann");
    const seen: string[] = [];
    const answer = model.complete({ ...ASK, onText: (text) => seen.push(text) });
    await until(() => worker.started.length === 1);
    worker.write(1, "SELECT ");
    await until(() => seen.length === 1);
    worker.write(1, "1");
    await until(() => seen.length === 2);
    worker.finish(1, "SELECT 1");
    await expect(answer).resolves.toMatchObject({ text: "SELECT 1" });
    expect(seen).toEqual(["SELECT ", "SELECT 1"]);
  });

  it("tells a waiting client its place, and withdraws the request when the client stops waiting", async () => {
    const { worker, url, scheduler } = await service();
    const first = (await connect(url, "ann")).complete(ASK);
    await until(() => worker.started.length === 1);
    const seen: ModelWait[] = [];
    const stop = new AbortController();
    const second = (await connect(url, "bob")).complete({ ...ASK, signal: stop.signal, onWait: (w) => seen.push(w) }).catch((e: unknown) => e);
    await until(() => seen.length === 1);
    expect(seen[0]).toMatchObject({ state: "queued", ahead: 0 });
    stop.abort(new Error("stopped by the user"));
    expect(((await second) as Error).message).toBe("stopped by the user");
    await until(() => scheduler.metrics().cancelled === 1);
    expect(scheduler.metrics().queue).toBe(0);
    worker.finish(1);
    await first;
    expect(worker.started.map((j) => j.user)).toEqual(["ann"]);
  });

  it("answers a typed busy error when the queue is full", async () => {
    const { url } = await service({ maxQueue: 1 });
    const model = await connect(url, "ann");
    void model.complete(ASK).catch(() => undefined);
    void (await connect(url, "bob")).complete(ASK).catch(() => undefined);
    await until(() => scheduler!.metrics().queue === 1);
    const busy = await (await connect(url, "cy")).complete(ASK).catch((e: unknown) => e);
    expect(busy).toBeInstanceOf(ModelBusyError);
    expect((busy as ModelBusyError).message).toMatch(/busy: 1 questions are waiting/);
  });

  it("refuses a wrong token and a malformed request with a clear error", async () => {
    const { url } = await service();
    const wrong = await (await connect(url, "ann", "guess")).complete(ASK).catch((e: unknown) => e);
    expect(wrong).toBeInstanceOf(StreamLinkError);
    expect((wrong as StreamLinkError).code).toBe("unauthorised");
    const response = await fetch(new URL("/v1/complete", url), { method: "POST", headers: { authorization: "Bearer secret" }, body: JSON.stringify({ user: "ann", priority: "now", request: ASK }) });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ type: "error", code: "bad-request", message: "Bad completion request: `priority` must be interactive or batch." });
  });

  it("says which model it serves when a kernel asks for another", async () => {
    const { url } = await service();
    const other = await connectRemoteModel({ url, token: "secret", user: "ann", priority: "interactive" }, "sqlcoder-7b").catch((e: unknown) => e);
    expect((other as StreamLinkError).message).toBe("The model service runs qwen2.5-coder-1.5b, not sqlcoder-7b.");
  });
});
