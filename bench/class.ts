/**
 * `npm run bench:class -- --users N [--questions K] [--workers W] [--think-ms T] [--kill-worker]`: N simulated
 * users share one model service (W real worker processes, one thread each), each asking K questions of the
 * patents dev set through their own session (real checker, real DuckDB, the service's model), with a random
 * think time between questions; `--kill-worker` kills one worker once the first question is decoding. Prints
 * questions answered / asked, latency p50/p95, fairness (worst user's mean ÷ best's), throughput, tokens/s and
 * the stack's memory, with the machine's load average. With `--hub` each user logs in through nginx to
 * JupyterHub (`serve start --class`), starts their own JupyterLab, opens a StreamLink kernel and asks there, as a
 * student does; without it each user is a session in this process talking to the model service directly.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { createChecker } from "../checks/index.js";
import { duckdbConnector } from "../engines/duckdb/engine.js";
import { loadQuestionFile } from "../evals/questions.js";
import { modelLoader } from "../kernel/compose.js";
import { askQuestion } from "../session/ask.js";
import { ExampleStore, LocalSqlGenerator } from "../models/index.js";
import { readState, serviceStatus, startService, stopService } from "../service/control.js";
import { readPasswords } from "../service/stack/accounts.js";
import { stackProcesses, startStack, stopStack, type StackState } from "../service/stack/stack.js";
import { Session } from "../session/session.js";
import { CANONICAL, REPO, SHARED_DATA } from "../test/support/paths.js";
import { HubUser } from "../test/support/hub-client.js";
import { killBusyWorker } from "../test/support/serve.js";

const { values } = parseArgs({
  options: {
    users: { type: "string", default: "3" },
    questions: { type: "string", default: "1" },
    workers: { type: "string", default: "2" },
    "think-ms": { type: "string", default: "2000" },
    "kill-worker": { type: "boolean", default: false },
    hub: { type: "boolean", default: false },
  },
});
const users = Number(values.users);
const perUser = Number(values.questions);
const thinkMs = Number(values["think-ms"]);
const cases = await loadQuestionFile(path.join(SHARED_DATA, "patents", "questions-dev.jsonl"), "canonical");
const store = new ExampleStore(path.join(REPO, "notebooks", "streamlink-examples.json"));
const stateDir = mkdtempSync(path.join(tmpdir(), "streamlink-bench-class-"));
const loadBefore = loadavg()[0] ?? 0;

const names = Array.from({ length: users }, (_, i) => `user${i + 1}`);
const serviceOptions = { workers: Number(values.workers), threads: 1, sequences: 2, stateDir };
async function startClass(): Promise<StackState> {
  const classFile = path.join(stateDir, "class.txt");
  writeFileSync(classFile, `${names.join("\n")}\n`);
  return (await startStack({ ...serviceOptions, classFile, host: "127.0.0.1", port: 0 })).state;
}
const stack = values.hub ? await startClass() : undefined;
const state = stack ? readState(stateDir)! : await startService({ ...serviceOptions, port: 0 });
const env = { STREAMLINK_MODEL_URL: state.url, STREAMLINK_MODEL_TOKEN_FILE: state.tokenFile };
const latencies = new Map<string, number[]>();
let asked = 0;
let answered = 0;
let killed: number | undefined;

async function killOneWorker(): Promise<void> {
  killed = await killBusyWorker(stateDir);
}

/** One simulated user: asks a question and resolves when the answer is shown, or throws what the cell showed. */
interface Student {
  ask(question: string): Promise<void>;
  close(): Promise<void>;
}

async function directStudent(user: string): Promise<Student> {
  const session = new Session({ checker: createChecker(), connectors: [duckdbConnector], generator: async () => { throw new Error("unused"); } });
  const generator = new LocalSqlGenerator({ examples: store.list(), notes: store.notes(), load: modelLoader("interactive", { ...env, USER: user }) });
  await session.connect({ kind: "duckdb", target: CANONICAL, name: "patents" });
  return {
    ask: async (question) => { await askQuestion(session, generator, { question }); },
    close: async () => { await generator.close(); await session.close(); },
  };
}

async function hubStudent(user: string): Promise<Student> {
  const browser = new HubUser(stack!.url, user);
  await browser.login(readPasswords(stateDir).get(user) ?? "");
  await browser.startServer();
  const kernel = await browser.openKernel();
  const connected = await kernel.run(`%connect duckdb ${CANONICAL}`);
  if (connected.status !== "ok") throw new Error(`${user}: %connect failed`);
  return {
    ask: async (question) => {
      const cell = await kernel.run(`%%ask\n${question}`);
      if (cell.status !== "ok") throw new Error(`${user}: ${JSON.stringify(cell.messages.find((m) => m.type === "error")?.content["evalue"])}`);
    },
    close: async () => kernel.close(),
  };
}

async function student(index: number): Promise<void> {
  const user = names[index] ?? `user${index + 1}`;
  const seat = await (stack ? hubStudent(user) : directStudent(user));
  try {
    for (let q = 0; q < perUser; q++) {
      await new Promise((resolve) => setTimeout(resolve, Math.random() * thinkMs));
      const item = cases[(index * perUser + q) % cases.length];
      if (!item) continue;
      asked++;
      const started = performance.now();
      try {
        await seat.ask(item.question);
        answered++;
        latencies.set(user, [...(latencies.get(user) ?? []), performance.now() - started]);
      } catch (error) {
        console.error(`${user}: ${(error as Error).message}`);
      }
    }
  } finally {
    await seat.close();
  }
}

const memoryKiB = (pid: number, field: "Pss" | "Rss"): number => {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(readFileSync(`/proc/${pid}/smaps_rollup`, "utf8"));
    return Number(match?.[1] ?? 0);
  } catch {
    return 0;
  }
};

const started = performance.now();
try {
  await Promise.all([...Array.from({ length: users }, (_, i) => student(i)), ...(values["kill-worker"] ? [killOneWorker()] : [])]);
  const wallS = (performance.now() - started) / 1000;
  const status = await serviceStatus(stateDir);
  if (status.service !== "running") throw new Error("the model service stopped during the run");
  const all = [...latencies.values()].flat().sort((a, b) => a - b);
  const at = (q: number): string => ((all[Math.min(all.length - 1, Math.ceil(q * all.length) - 1)] ?? NaN) / 1000).toFixed(1);
  const means = [...latencies.values()].map((xs) => xs.reduce((a, b) => a + b, 0) / xs.length);
  const pids = [state.pid, ...status.workers.flatMap((w) => (w.pid === undefined ? [] : [w.pid])), ...(stack ? [...stackProcesses(stack.id), stack.nginxPid] : [])];
  const pssMiB = pids.reduce((n, pid) => n + memoryKiB(pid, "Pss"), 0) / 1024;
  const workerRssMiB = Math.max(...status.workers.map((w) => (w.pid === undefined ? 0 : memoryKiB(w.pid, "Rss")))) / 1024;
  console.log([
    `users ${users}${stack ? " through nginx + JupyterHub, each in their own kernel" : ""}, ${perUser} question(s) each, ${status.workers.length} worker(s) × 1 thread × 2 sequences${killed ? `, worker pid ${killed} killed mid-run` : ""}`,
    `answered/asked ${answered}/${asked} (service: answered ${status.answered}, retried ${status.retried}, failed ${status.failed}, workers replaced ${status.workersReplaced})`,
    `latency p50 ${at(0.5)} s, p95 ${at(0.95)} s; fairness (worst user mean ÷ best) ${(Math.max(...means) / Math.min(...means)).toFixed(2)}`,
    `throughput ${((answered / wallS) * 60).toFixed(2)} questions/min over ${wallS.toFixed(0)} s; ${status.tokensPerSecond} tokens/s`,
    `memory: ${stack ? "nginx + hub + proxy + every user's server and kernel + " : ""}service + workers ${pssMiB.toFixed(0)} MiB (PSS); ${users} in-process kernels would each hold ≈ ${workerRssMiB.toFixed(0)} MiB RSS (one worker's) on top`,
    `load average ${loadBefore.toFixed(1)} → ${(loadavg()[0] ?? 0).toFixed(1)}`,
  ].join("\n"));
} finally {
  if (stack) await stopStack(stateDir);
  else await stopService(stateDir);
  rmSync(stateDir, { recursive: true, force: true });
}
