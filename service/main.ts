/**
 * The model service process that `streamlink serve start` runs detached: N worker processes behind the scheduler,
 * the HTTP server on 127.0.0.1, and its state (url, pid, token file) in the state folder for `serve status|stop`
 * and for kernels. SIGTERM stops the server, the queue and every worker.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { ProcessWorker } from "./process-worker.js";
import { Scheduler } from "./scheduler.js";
import { startServer } from "./server.js";
import { STATE_FILE, TOKEN_FILE, type ServiceState } from "./state.js";

const env = process.env;
const stateDir = env["STREAMLINK_SERVE_DIR"] ?? "";
if (stateDir === "") throw new Error("STREAMLINK_SERVE_DIR is not set (start the service with `streamlink serve start`)");
const workers = Number(env["STREAMLINK_SERVE_WORKERS"] ?? "2");
const threads = Number(env["STREAMLINK_SERVE_THREADS"] ?? "1");
const sequences = Number(env["STREAMLINK_SERVE_SEQUENCES"] ?? "2");
const port = Number(env["STREAMLINK_SERVE_PORT"] ?? "0");
const model = env["STREAMLINK_SERVE_MODEL"] || undefined;

mkdirSync(stateDir, { recursive: true, mode: 0o700 });
const token = randomBytes(32).toString("hex");
const tokenFile = path.join(stateDir, TOKEN_FILE);
writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });

let served: ProcessWorker["model"] | undefined;
const scheduler = new Scheduler({
  workers,
  spawn: async () => {
    const worker = await ProcessWorker.start({ ...(model ? { model } : {}), threads, sequences });
    served ??= worker.model;
    return worker;
  },
  onWorkerLost: (worker, reason) => process.stderr.write(`${new Date().toISOString()} worker ${worker} replaced: ${reason}\n`),
});
await scheduler.start();
if (!served) throw new Error("no worker reported its model");
const server = await startServer(scheduler, { port, token, model: served });
const state: ServiceState = { pid: process.pid, url: server.url, tokenFile, workers, threads, sequences, model: served.name, startedAt: new Date().toISOString() };
writeFileSync(path.join(stateDir, STATE_FILE), `${JSON.stringify(state, null, 2)}\n`);
process.stderr.write(`model service ready: ${server.url} (${workers} worker(s), ${sequences} sequence(s) and ${threads} thread(s) each)\n`);

let stopping = false;
const stop = async (): Promise<void> => {
  if (stopping) return;
  stopping = true;
  await server.close();
  await scheduler.close();
  rmSync(path.join(stateDir, STATE_FILE), { force: true });
  rmSync(tokenFile, { force: true });
  process.exit(0);
};
process.on("SIGTERM", () => void stop());
process.on("SIGINT", () => void stop());
