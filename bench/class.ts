/**
 * `npm run bench:class -- --users N [--questions K] [--workers W] [--threads T] [--sequences S] [--think-ms T]
 * [--kill-worker] [--budget-s S]`: N simulated users share one model service (W real worker processes, T threads and S sequences
 * each), each asking the same K questions of the patents dev set, each user starting at a different one, through
 * their own session (real checker, real DuckDB, the service's model), with a random think time between questions;
 * `--kill-worker` kills one worker once the first question is decoding. Every user gets the same mix so that
 * fairness (worst user's mean latency ÷ best's) measures the scheduler, not which questions a user drew: with a
 * different question each, a question that needs two repairs makes its user look treated worse. Prints questions
 * answered / asked, latency p50/p95, fairness and each user's mean wait in the queue, throughput, tokens/s, and
 * memory: the model side (workers only: private pages each, the GGUF's shared pages once), the whole stack (PSS),
 * and N kernels that would each load the model themselves, with the machine's load average. With `--hub` each user logs in through nginx to
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
import { ExampleStore, LocalSqlGenerator, resolveModel } from "../models/index.js";
import { loadLlamaModel } from "../models/llama.js";
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
    threads: { type: "string", default: "1" },
    sequences: { type: "string", default: "2" },
    "think-ms": { type: "string", default: "2000" },
    "kill-worker": { type: "boolean", default: false },
    "budget-s": { type: "string", default: "0" },
    hub: { type: "boolean", default: false },
  },
});
const users = Number(values.users);
const perUser = Number(values.questions);
const thinkMs = Number(values["think-ms"]);
/** After this many seconds (0: never) no user starts another question; those asked still finish and count. */
const budgetMs = Number(values["budget-s"]) * 1000;
const mix = (await loadQuestionFile(path.join(SHARED_DATA, "patents", "questions-dev.jsonl"), "canonical")).slice(0, perUser);
const store = new ExampleStore(path.join(REPO, "notebooks", "streamlink-examples.json"));
const stateDir = mkdtempSync(path.join(tmpdir(), "streamlink-bench-class-"));
const loadBefore = loadavg()[0] ?? 0;

const names = Array.from({ length: users }, (_, i) => `user${i + 1}`);
const serviceOptions = { workers: Number(values.workers), threads: Number(values.threads), sequences: Number(values.sequences), stateDir };
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
let runStarted = 0;

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
      if (budgetMs > 0 && performance.now() - runStarted > budgetMs) break;
      const item = mix[(index + q) % mix.length];
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

/** A process's memory from /proc/PID/smaps_rollup, in MiB: resident, proportional (shared pages split) and private. */
function memory(pid: number | "self"): { rss: number; pss: number; uss: number } {
  let text = "";
  try {
    text = readFileSync(`/proc/${pid}/smaps_rollup`, "utf8");
  } catch {
    // The process ended between listing and reading: it holds nothing.
  }
  const field = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(text)?.[1] ?? 0) / 1024;
  return { rss: field("Rss"), pss: field("Pss"), uss: field("Private_Clean") + field("Private_Dirty") };
}

/** What loading the model in a kernel adds to that kernel: the in-process defaults (registry context, one sequence). */
async function inProcessModelMiB(): Promise<number> {
  const before = memory("self").rss;
  const model = await loadLlamaModel(resolveModel(undefined));
  const after = memory("self").rss;
  await model.close();
  return after - before;
}

try {
  runStarted = performance.now();
  await Promise.all([...Array.from({ length: users }, (_, i) => student(i)), ...(values["kill-worker"] ? [killOneWorker()] : [])]);
  const wallS = (performance.now() - runStarted) / 1000;
  const status = await serviceStatus(stateDir);
  if (status.service !== "running") throw new Error("the model service stopped during the run");
  const all = [...latencies.values()].flat().sort((a, b) => a - b);
  const at = (q: number): string => ((all[Math.min(all.length - 1, Math.ceil(q * all.length) - 1)] ?? NaN) / 1000).toFixed(1);
  const means = [...latencies.values()].map((xs) => xs.reduce((a, b) => a + b, 0) / xs.length);
  const workerPids = status.workers.flatMap((w) => (w.pid === undefined ? [] : [w.pid]));
  const workers = workerPids.map((pid) => memory(pid));
  // The workers map the same GGUF: its pages (with the shared libraries) are counted once, each worker's own pages in full.
  const modelSideMiB = workers.reduce((n, m) => n + m.uss, 0) + Math.max(0, ...workers.map((m) => m.rss - m.uss));
  const workersPssMiB = workers.reduce((n, m) => n + m.pss, 0);
  const userPids = stack ? stackProcesses(stack.id).filter((pid) => pid !== stack.hubPid && !workerPids.includes(pid) && pid !== state.pid) : [];
  const pids = [state.pid, ...workerPids, ...(stack ? [...stackProcesses(stack.id), stack.nginxPid] : [])];
  const pssMiB = [...new Set(pids)].reduce((n, pid) => n + memory(pid).pss, 0);
  // Each user's own server and kernel (hub runs), which an in-process kernel has too.
  const perUserMiB = userPids.reduce((n, pid) => n + memory(pid).pss, 0) / users;
  const waits = Object.values(status.users).map((u) => u.meanWaitMs / 1000);
  const modelMiB = await inProcessModelMiB();
  console.log([
    `users ${users}${stack ? " through nginx + JupyterHub, each in their own kernel" : ""}, the same ${mix.length} question(s) each, ${status.workers.length} worker(s) × ${serviceOptions.threads} thread(s) × ${serviceOptions.sequences} sequences${killed ? `, worker pid ${killed} killed mid-run` : ""}`,
    `answered/asked ${answered}/${asked}${asked < users * perUser ? ` of ${users * perUser} (no new question after --budget-s ${budgetMs / 1000})` : ""} (service: answered ${status.answered}, retried ${status.retried}, failed ${status.failed}, workers replaced ${status.workersReplaced})`,
    `latency p50 ${at(0.5)} s, p95 ${at(0.95)} s; fairness (worst user mean ÷ best, every user asking the same questions so that it measures the scheduler, not the questions drawn) ${(Math.max(...means) / Math.min(...means)).toFixed(2)}`,
    `mean wait in the queue per user (each model call): best ${Math.min(...waits).toFixed(1)} s, worst ${Math.max(...waits).toFixed(1)} s`,
    `throughput ${((answered / wallS) * 60).toFixed(2)} questions/min over ${wallS.toFixed(0)} s; ${status.tokensPerSecond} tokens/s`,
    `memory, model side (${workers.length} workers: private pages + the mapped model once): ${(modelSideMiB / 1024).toFixed(2)} GiB (PSS ${(workersPssMiB / 1024).toFixed(2)} GiB)`,
    `memory, whole stack (${stack ? "nginx + hub + proxy + every user's server and kernel + " : ""}service + workers, PSS): ${(pssMiB / 1024).toFixed(2)} GiB`,
    `${users} in-process kernels instead: ${users} × (${modelMiB.toFixed(0)} MiB of model loaded in a kernel${stack ? ` + ${perUserMiB.toFixed(0)} MiB of server and kernel` : ""}) ≈ ${((users * (modelMiB + perUserMiB)) / 1024).toFixed(1)} GiB`,
    `load average ${loadBefore.toFixed(1)} → ${(loadavg()[0] ?? 0).toFixed(1)}`,
  ].join("\n"));
} finally {
  if (stack) await stopStack(stateDir);
  else await stopService(stateDir);
  rmSync(stateDir, { recursive: true, force: true });
}
