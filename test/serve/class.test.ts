import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isAlive } from "../../core/process.js";
import { readState, serviceStatus } from "../../service/control.js";
import { readPasswords } from "../../service/stack/accounts.js";
import { readStack, stackProcesses, type StackState } from "../../service/stack/stack.js";
import { cli } from "../support/cli.js";
import { killBusyWorker } from "../support/serve.js";
import { HubUser, type CellOutput, type HubKernel } from "../support/hub-client.js";

/**
 * The class stack as a teacher starts it (`serve start --class FILE`): nginx in front of JupyterHub, 2 model
 * workers behind one queue. Five students log in through nginx, each runs %%sql and %%ask in their own kernel while
 * a model worker is killed mid-question; one student cannot open another's server, the teacher can; `serve stop`
 * leaves no process behind. The students' kernels run the compiled kernel (dist/, built by `npm test`'s set-up).
 */
const STUDENTS = ["ann", "bob", "cy", "dee", "eli"];
const stateDir = mkdtempSync(path.join(tmpdir(), "streamlink-class-"));
const classFile = path.join(stateDir, "class.txt");
let stack: StackState;
const users = new Map<string, HubUser>();
const kernels = new Map<string, HubKernel>();

const text = (cell: CellOutput): string => cell.messages.map((m) => {
  if (m.type === "stream") return String(m.content["text"] ?? "");
  if (m.type === "error") return `${String(m.content["ename"])}: ${String(m.content["evalue"])}`;
  const data = m.content["data"] as Record<string, unknown> | undefined;
  return String(data?.["text/plain"] ?? "");
}).join("\n");

beforeAll(async () => {
  process.env["STREAMLINK_SERVE_DIR"] = stateDir;
  writeFileSync(classFile, `# the teacher writes this file\nteacher admin\n${STUDENTS.join("\n")}\n`);
  const started = await cli("serve", "start", "--class", classFile, "--workers", "2", "--threads", "1", "--sequences", "1");
  expect(started.stderr).toBe("");
  expect(started.stdout).toMatch(/^StreamLink for a class: http:\/\/127\.0\.0\.1:\d+ /);
  stack = readStack(stateDir)!;
  const passwords = readPasswords(stateDir);
  await Promise.all(["teacher", ...STUDENTS].map(async (name) => {
    const user = new HubUser(stack.url, name);
    await user.login(passwords.get(name) ?? "");
    users.set(name, user);
  }));
}, 600_000);

afterAll(async () => {
  for (const kernel of kernels.values()) kernel.close();
  if (readStack(stateDir)) await cli("serve", "stop");
  delete process.env["STREAMLINK_SERVE_DIR"];
  rmSync(stateDir, { recursive: true, force: true });
});

describe("a class on one StreamLink server", () => {
  it("refuses a wrong password, and starts each student's own JupyterLab with the course notebooks", { timeout: 600_000 }, async () => {
    await expect(new HubUser(stack.url, "ann").login("guess")).rejects.toThrow(/ann could not log in/);
    await Promise.all(STUDENTS.map((name) => users.get(name)!.startServer()));
    for (const name of STUDENTS) {
      const listing = await (await users.get(name)!.request(`/user/${name}/api/contents`)).json() as { content: { name: string }[] };
      expect(listing.content.map((f) => f.name)).toContain("01-quickstart.ipynb");
    }
  });

  it("keeps a student out of another's server; the teacher may open it", async () => {
    const ann = users.get("ann")!;
    expect((await ann.open("/user/bob/lab")).status).toBe(403);
    expect((await ann.request("/user/bob/api/contents")).status).toBe(403);
    const teacher = users.get("teacher")!;
    expect(await teacher.open("/user/bob/lab")).toEqual({ status: 200, path: "/user/bob/lab" });
    expect((await teacher.request("/user/bob/api/contents")).status).toBe(200);
  });

  it("runs %%sql and %%ask in every student's kernel, answering each question once through a worker kill", { timeout: 900_000 }, async () => {
    for (const name of STUDENTS) kernels.set(name, await users.get(name)!.openKernel());
    for (const [name, kernel] of kernels) {
      const sql = await kernel.run("%%sql\nSELECT 42 AS answer");
      expect(sql.status, name).toBe("ok");
      expect(text(sql)).toContain("42");
      expect((await kernel.run("%connect duckdb data/patents")).status).toBe("ok");
    }
    const before = await serviceStatus(stateDir);
    if (before.service !== "running") throw new Error("the model service is not running");
    const asked = [...kernels].map(([name, kernel]) => kernel.run("%%ask\nHow many patents are there?").then((cell) => [name, cell] as const));
    const victim = await killBusyWorker(stateDir);
    for (const [name, cell] of await Promise.all(asked)) {
      expect(cell.status, `${name}: ${text(cell)}`).toBe("ok");
      expect(text(cell)).toMatch(/Generated SQL/);
    }
    const after = await serviceStatus(stateDir);
    if (after.service !== "running") throw new Error("the model service stopped");
    expect(after.workersReplaced - before.workersReplaced).toBe(1);
    expect(after.retried - before.retried).toBeGreaterThanOrEqual(1);
    expect(after.failed).toBe(before.failed);
    for (const name of STUDENTS) {
      const metrics = after.users[name];
      expect(metrics?.answered, name).toBeGreaterThanOrEqual(1);
      expect(metrics?.answered, name).toBe(metrics?.asked);
    }
    expect(after.workers.map((w) => w.pid)).not.toContain(victim);
  });

  it("reports users, kernels and workers with `serve status --format json`", async () => {
    const printed = await cli("serve", "status", "--format", "json");
    const status = JSON.parse(printed.stdout) as { url: string; queue: number; workers: { state: string }[]; kernels: number; accounts: { name: string; admin: boolean; server: string }[] };
    expect(status.url).toBe(stack.url);
    expect(status.queue).toBe(0);
    expect(status.workers).toHaveLength(2);
    expect(status.kernels).toBe(STUDENTS.length);
    expect(status.accounts.find((a) => a.name === "teacher")).toMatchObject({ admin: true });
    expect(status.accounts.filter((a) => a.server === "running").map((a) => a.name).sort()).toEqual([...STUDENTS].sort());
    const health = await (await fetch(`${stack.url}/model/health`)).json() as { model: { name: string } };
    expect(health.model.name).toBe("qwen2.5-coder-1.5b");
  });

  it("stops everything it started with `serve stop`, leaving no process behind", { timeout: 120_000 }, async () => {
    const model = readState(stateDir)!;
    const running = await serviceStatus(stateDir);
    const workerPids = running.service === "running" ? running.workers.flatMap((w) => (w.pid === undefined ? [] : [w.pid])) : [];
    expect(stackProcesses(stack.id).length).toBeGreaterThan(STUDENTS.length);
    expect((await cli("serve", "stop")).stdout).toBe("Stopped StreamLink's server and everything it started.\n");
    expect(stackProcesses(stack.id)).toEqual([]);
    for (const pid of [stack.nginxPid, stack.hubPid, model.pid, ...workerPids]) expect(isAlive(pid), `pid ${pid}`).toBe(false);
    expect(await fetch(stack.url).then(() => "answered", () => "refused")).toBe("refused");
  });
});
