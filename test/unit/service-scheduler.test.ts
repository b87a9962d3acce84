import { describe, expect, it } from "vitest";
import { ModelBusyError, ModelServiceError, type QueueStatus, type WireCompletion } from "../../service/protocol.js";
import { Scheduler } from "../../service/scheduler.js";
import { FakeWorker } from "../support/fake-worker.js";

const ASK: WireCompletion = { messages: [{ role: "user", text: "q" }], maxTokens: 8 };

async function cluster(workers: number, options: Partial<ConstructorParameters<typeof Scheduler>[0]> = {}) {
  const spawned: FakeWorker[] = [];
  const scheduler = new Scheduler({
    workers,
    respawnDelayMs: 1,
    spawn: async (id) => {
      const worker = new FakeWorker(`${id}#${spawned.length + 1}`);
      spawned.push(worker);
      return worker;
    },
    ...options,
  });
  await scheduler.start();
  return { scheduler, spawned };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("the model service's scheduler", () => {
  it("takes users in turns: a user with many questions does not starve the next one", async () => {
    const { scheduler, spawned } = await cluster(1);
    const worker = spawned[0]!;
    const answers: string[] = [];
    const ask = (user: string) => scheduler.submit(user, "interactive", ASK).then(() => answers.push(user));
    const all = [ask("ann"), ask("ann"), ask("ann"), ask("ann"), ask("bob"), ask("cy")];
    for (let i = 0; i < 6; i++) {
      await tick();
      worker.finish(worker.runningIds()[0]!);
    }
    await Promise.all(all);
    expect(answers).toEqual(["ann", "bob", "cy", "ann", "ann", "ann"]);
  });

  it("queues a user back from thinking behind the users who were already waiting, not ahead of them", async () => {
    const { scheduler, spawned } = await cluster(1);
    const worker = spawned[0]!;
    const served: string[] = [];
    const ask = (user: string) => scheduler.submit(user, "interactive", ASK).then(() => served.push(user));
    const finishNext = async () => {
      await tick();
      worker.finish(worker.runningIds()[0]!);
      await tick();
    };
    // dan asks once, then thinks; ann and bob keep asking.
    const asked = [ask("dan"), ask("ann"), ask("bob")];
    await finishNext();
    await finishNext();
    asked.push(ask("ann"));
    await finishNext();
    asked.push(ask("bob"));
    // bob has waited since before dan came back, and each has had one answer: bob goes first.
    asked.push(ask("dan"));
    for (let i = 0; i < 3; i++) await finishNext();
    await Promise.all(asked);
    expect(served).toEqual(["dan", "ann", "bob", "ann", "bob", "dan"]);
  });

  it("spreads requests over the workers before giving a worker a second one", async () => {
    const spawned: FakeWorker[] = [];
    const scheduler = new Scheduler({ workers: 2, spawn: async (id) => {
      const worker = new FakeWorker(id, 2);
      spawned.push(worker);
      return worker;
    } });
    await scheduler.start();
    const asked = [scheduler.submit("ann", "interactive", ASK), scheduler.submit("bob", "interactive", ASK)];
    expect(spawned.map((w) => w.runningIds().length)).toEqual([1, 1]);
    for (const worker of spawned) worker.finish(worker.runningIds()[0]!);
    await Promise.all(asked);
  });

  it("measures each user's wait in the queue apart from the whole latency", async () => {
    const { scheduler, spawned } = await cluster(1);
    const worker = spawned[0]!;
    const asked = [scheduler.submit("ann", "interactive", ASK), scheduler.submit("bob", "interactive", ASK)];
    await new Promise((resolve) => setTimeout(resolve, 30));
    worker.finish(1);
    await tick();
    worker.finish(2);
    await Promise.all(asked);
    const users = scheduler.metrics().users;
    expect(users["ann"]!.meanWaitMs).toBeLessThan(10);
    expect(users["bob"]!.meanWaitMs).toBeGreaterThanOrEqual(25);
  });

  it("runs interactive questions before batch work that was queued earlier", async () => {
    const { scheduler, spawned } = await cluster(1);
    const worker = spawned[0]!;
    const order: string[] = [];
    const all = [
      scheduler.submit("eval", "batch", ASK).then(() => order.push("batch 1")),
      scheduler.submit("eval", "batch", ASK).then(() => order.push("batch 2")),
      scheduler.submit("ann", "interactive", ASK).then(() => order.push("ann")),
    ];
    for (let i = 0; i < 3; i++) {
      await tick();
      worker.finish(worker.runningIds()[0]!);
    }
    await Promise.all(all);
    expect(order).toEqual(["batch 1", "ann", "batch 2"]);
  });

  it("tells a waiting request how many are ahead of it, and tells it again as the queue moves", async () => {
    const { scheduler, spawned } = await cluster(1);
    const worker = spawned[0]!;
    const seen: QueueStatus[] = [];
    const first = scheduler.submit("ann", "interactive", ASK);
    const second = scheduler.submit("bob", "interactive", ASK);
    const third = scheduler.submit("cy", "interactive", ASK, { onQueued: (s) => seen.push(s) });
    expect(seen.map((s) => s.ahead)).toEqual([1]);
    expect(seen[0]!.etaMs).toBeGreaterThan(0);
    worker.finish(1);
    await first;
    expect(seen.map((s) => s.ahead)).toEqual([1, 0]);
    worker.finish(2);
    await second;
    await tick();
    worker.finish(3);
    await third;
  });

  it("answers busy, with the queue length, when the queue is full, and when one user holds too many", async () => {
    const { scheduler } = await cluster(1, { maxQueue: 2, maxPerUser: 2 });
    void scheduler.submit("ann", "interactive", ASK).catch(() => undefined);
    void scheduler.submit("ann", "interactive", ASK).catch(() => undefined);
    const perUser = await scheduler.submit("ann", "interactive", ASK).catch((e: unknown) => e);
    expect(perUser).toBeInstanceOf(ModelBusyError);
    expect((perUser as ModelBusyError).data).toMatchObject({ scope: "user", limit: 2 });
    void scheduler.submit("bob", "interactive", ASK).catch(() => undefined);
    const full = await scheduler.submit("cy", "interactive", ASK).catch((e: unknown) => e);
    expect(full).toBeInstanceOf(ModelBusyError);
    expect((full as ModelBusyError).data).toMatchObject({ scope: "service", queue: 2 });
    expect(scheduler.metrics().rejectedBusy).toBe(2);
    await scheduler.close();
  });

  it("removes a cancelled waiting request from the queue and stops the decoding of a running one", async () => {
    const { scheduler, spawned } = await cluster(1);
    const worker = spawned[0]!;
    const running = new AbortController();
    const waiting = new AbortController();
    const first = scheduler.submit("ann", "interactive", ASK, { signal: running.signal }).catch((e: unknown) => e);
    const second = scheduler.submit("bob", "interactive", ASK, { signal: waiting.signal }).catch((e: unknown) => e);
    const third = scheduler.submit("cy", "interactive", ASK);
    waiting.abort(new Error("stop bob"));
    expect(((await second) as Error).message).toBe("stop bob");
    expect(scheduler.metrics().queue).toBe(1);
    running.abort(new Error("stop ann"));
    expect(((await first) as Error).message).toBe("stop ann");
    expect(worker.aborted).toEqual([1]);
    await tick();
    // bob's request never reached the worker; cy's runs in the slot ann's left.
    expect(worker.started.map((j) => j.user)).toEqual(["ann", "cy"]);
    worker.finish(3);
    await expect(third).resolves.toMatchObject({ text: "answer 3 from w1#1" });
    expect(scheduler.metrics()).toMatchObject({ cancelled: 2, answered: 1, failed: 0 });
  });

  it("runs the requests of a worker killed mid-request on another, replaces it, and answers each exactly once", async () => {
    const { scheduler, spawned } = await cluster(2);
    const [w1, w2] = spawned as [FakeWorker, FakeWorker];
    const resolved: string[] = [];
    const a = scheduler.submit("ann", "interactive", ASK).then((c) => { resolved.push(`ann:${c.text}`); return c; });
    const b = scheduler.submit("bob", "interactive", ASK).then((c) => { resolved.push(`bob:${c.text}`); return c; });
    expect(w1.runningIds()).toEqual([1]);
    expect(w2.runningIds()).toEqual([2]);
    w1.die();
    await tick();
    expect(w1.closed).toBe(true);
    // The lost request waits for the first free worker: w2 after bob's, or w1's replacement, whichever comes first.
    const replacement = spawned[2]!;
    expect(replacement.name).toBe("w1#3");
    expect(replacement.runningIds()).toEqual([1]);
    w1.finishLate(1);
    replacement.finish(1);
    w2.finish(2);
    await Promise.all([a, b]);
    expect(resolved.sort()).toEqual(["ann:answer 1 from w1#3", "bob:answer 2 from w2#2"]);
    expect(scheduler.metrics()).toMatchObject({ answered: 2, retried: 1, workersReplaced: 1, failed: 0 });
    expect(scheduler.workers().map((w) => w.state)).toEqual(["ready", "ready"]);
  });

  it("kills a worker that hangs on a request and answers it from another", async () => {
    const lost: string[] = [];
    const { scheduler, spawned } = await cluster(2, { stallMs: 30, onWorkerLost: (worker, reason) => lost.push(`${worker}: ${reason}`) });
    const [w1, w2] = spawned as [FakeWorker, FakeWorker];
    const a = scheduler.submit("ann", "interactive", ASK);
    w2.finish(99); // nothing: w2 is idle
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(w1.closed).toBe(true);
    const taker = [w2, ...spawned.slice(2)].find((w) => w.runningIds().includes(1));
    expect(taker).toBeDefined();
    taker!.finish(1);
    await expect(a).resolves.toMatchObject({ text: `answer 1 from ${taker!.name}` });
    expect(scheduler.metrics().workersReplaced).toBeGreaterThanOrEqual(1);
    expect(lost[0]).toBe("w1: worker w1 wrote nothing of one request for 30 ms");
    await scheduler.close();
  });

  it("keeps a slow worker that is still writing, however long the request takes", async () => {
    const { scheduler, spawned } = await cluster(1, { stallMs: 40 });
    const worker = spawned[0]!;
    const a = scheduler.submit("ann", "interactive", ASK);
    for (let i = 0; i < 6; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      worker.write(1, "x");
    }
    worker.finish(1);
    await expect(a).resolves.toMatchObject({ text: "answer 1 from w1#1" });
    expect(worker.closed).toBe(false);
    expect(scheduler.metrics().workersReplaced).toBe(0);
    await scheduler.close();
  });

  it("fails a request with a typed error once every attempt lost its worker, and never answers it twice", async () => {
    const { scheduler, spawned } = await cluster(1, { maxAttempts: 2 });
    const outcome = scheduler.submit("ann", "interactive", ASK).catch((e: unknown) => e);
    spawned[0]!.die();
    await tick();
    await tick();
    spawned[1]!.die();
    const error = await outcome;
    expect(error).toBeInstanceOf(ModelServiceError);
    expect((error as ModelServiceError).data).toMatchObject({ attempts: 2 });
    spawned[1]!.finishLate(1);
    expect(scheduler.metrics()).toMatchObject({ answered: 0, failed: 1 });
    await scheduler.close();
  });

  it("reports latency percentiles, tokens/s and per-user counts", async () => {
    const { scheduler, spawned } = await cluster(1);
    const worker = spawned[0]!;
    const a = scheduler.submit("ann", "interactive", ASK);
    worker.finish(1);
    await a;
    const m = scheduler.metrics();
    expect(m.latencyMs.samples).toBe(1);
    expect(m.tokensPerSecond).toBeGreaterThan(0);
    expect(m.users["ann"]).toMatchObject({ asked: 1, answered: 1, queued: 0 });
    expect(m.workers).toEqual([{ id: "w1", state: "ready", running: 0, slots: 1 }]);
  });
});
