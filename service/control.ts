/**
 * Starting, stopping and reading a model service from the command line: the service runs detached (its log and
 * state in `.cache/serve/` by default) so that it outlives the `serve start` command, as the Spark cluster does.
 */
import { spawn } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { StreamLinkError } from "../core/errors.js";
import { packageRoot } from "../core/paths.js";
import type { ServiceMetrics } from "./protocol.js";
import { STATE_FILE, type ServiceState } from "./state.js";
import { isAlive } from "../core/process.js";

export interface StartOptions {
  readonly workers: number;
  readonly port: number;
  readonly threads: number;
  readonly sequences: number;
  readonly model?: string;
  readonly stateDir?: string;
  /** Longest wait for every worker to load the model. */
  readonly timeoutMs?: number;
}

/** `serve status --format json`: where the service is and what its queue and workers do. */
export type ServiceStatus =
  | { readonly service: "stopped" }
  | ({ readonly service: "running"; readonly url: string; readonly pid: number; readonly model: string } & ServiceMetrics);

/** `STREAMLINK_SERVE_DIR` when set (one service per folder), else `.cache/serve` in the checkout. */
export function defaultStateDir(env: NodeJS.ProcessEnv = process.env): string {
  return env["STREAMLINK_SERVE_DIR"] || path.join(packageRoot(), ".cache", "serve");
}

export function readState(stateDir = defaultStateDir()): ServiceState | undefined {
  const file = path.join(stateDir, STATE_FILE);
  if (!existsSync(file)) return undefined;
  const state = JSON.parse(readFileSync(file, "utf8")) as ServiceState;
  return isAlive(state.pid) ? state : undefined;
}

export function readToken(state: ServiceState): string {
  return readFileSync(state.tokenFile, "utf8").trim();
}

export async function startService(options: StartOptions): Promise<ServiceState> {
  const stateDir = options.stateDir ?? defaultStateDir();
  const running = readState(stateDir);
  if (running) return running;
  const source = import.meta.url.endsWith(".ts");
  const entry = fileURLToPath(new URL(`./main.${source ? "ts" : "js"}`, import.meta.url));
  const log = openSync(path.join(ensureDir(stateDir), "service.log"), "a");
  const child = spawn(process.execPath, [...(source ? ["--import", "tsx"] : []), entry], {
    cwd: packageRoot(),
    detached: true,
    stdio: ["ignore", log, log],
    env: {
      ...process.env,
      STREAMLINK_SERVE_DIR: stateDir,
      STREAMLINK_SERVE_WORKERS: String(options.workers),
      STREAMLINK_SERVE_THREADS: String(options.threads),
      STREAMLINK_SERVE_SEQUENCES: String(options.sequences),
      STREAMLINK_SERVE_PORT: String(options.port),
      STREAMLINK_SERVE_MODEL: options.model ?? "",
    },
  });
  closeSync(log);
  child.unref();
  let exited: number | null | undefined;
  child.once("exit", (code) => { exited = code; });
  const deadline = Date.now() + (options.timeoutMs ?? 600_000);
  for (;;) {
    const state = readState(stateDir);
    if (state && state.pid === child.pid) return state;
    if (exited !== undefined || Date.now() > deadline) {
      if (exited === undefined) child.kill("SIGTERM");
      throw new StreamLinkError("model-service", "The model service did not start.",
        `See ${path.join(stateDir, "service.log")}; check the model with \`bash scripts/setup-models.sh\` and that the port is free.`, { exitCode: exited ?? null });
    }
    await sleep(250);
  }
}

/** Stops the service and its workers; resolves once its process is gone. */
export async function stopService(stateDir = defaultStateDir()): Promise<{ stopped: number | undefined }> {
  const state = readState(stateDir);
  if (!state) return { stopped: undefined };
  process.kill(state.pid, "SIGTERM");
  const deadline = Date.now() + 30_000;
  while (isAlive(state.pid)) {
    if (Date.now() > deadline) process.kill(state.pid, "SIGKILL");
    await sleep(100);
  }
  return { stopped: state.pid };
}

export async function serviceStatus(stateDir = defaultStateDir()): Promise<ServiceStatus> {
  const state = readState(stateDir);
  if (!state) return { service: "stopped" };
  const response = await fetch(new URL("/metrics", state.url), { headers: { authorization: `Bearer ${readToken(state)}` } });
  const metrics = await response.json() as ServiceMetrics;
  return { service: "running", url: state.url, pid: state.pid, model: state.model, ...metrics };
}

function ensureDir(dir: string): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
