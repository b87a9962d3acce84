/**
 * The class stack of `streamlink serve start --class FILE`: the shared model service, JupyterHub (with
 * configurable-http-proxy and one JupyterLab per student) and nginx in front, all started detached from this
 * checkout and stopped by `serve stop`. Every process the stack starts carries STREAMLINK_STACK_ID in its
 * environment, so that `stop` can prove nothing of it is left — and signals nothing else.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { closeSync, cpSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { StreamLinkError } from "../../core/errors.js";
import { packageRoot } from "../../core/paths.js";
import { freePort, isAlive } from "../../core/process.js";
import { defaultStateDir, startService, stopService, type StartOptions } from "../control.js";
import { readClassList, syncAccounts } from "./accounts.js";
import { nginxBinary, writeNginxConfig } from "./nginx.js";

export const STACK_FILE = "stack.json";

export interface StackOptions extends Omit<StartOptions, "port"> {
  readonly classFile: string;
  /** nginx's address: 127.0.0.1 for this machine only, 0.0.0.0 for a class on the network. */
  readonly host: string;
  /** nginx's port; 0 picks a free one. */
  readonly port: number;
}

export interface StackState {
  readonly id: string;
  readonly url: string;
  readonly hubPid: number;
  readonly nginxPid: number;
  readonly hubApiUrl: string;
  readonly proxyUrl: string;
  readonly hubTokenFile: string;
  readonly startedAt: string;
}

/** One account as `serve status` shows it. */
export interface AccountStatus {
  readonly name: string;
  readonly admin: boolean;
  readonly server: "running" | "stopped";
  readonly kernels: number;
}

export function readStack(stateDir = defaultStateDir()): StackState | undefined {
  const file = path.join(stateDir, STACK_FILE);
  if (!existsSync(file)) return undefined;
  const state = JSON.parse(readFileSync(file, "utf8")) as StackState;
  return ownPid(state.hubPid, state.id) || ownNginx(state.nginxPid, stateDir) ? state : undefined;
}

/** Starts what is not running yet; a second call with the stack up returns it as it is. */
export async function startStack(options: StackOptions): Promise<{ state: StackState; newUsers: string[] }> {
  const stateDir = options.stateDir ?? defaultStateDir();
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const members = readClassList(options.classFile);
  const newUsers = syncAccounts(members, stateDir);
  for (const { name } of members) copyNotebooks(path.join(stateDir, "home", name));
  const running = readStack(stateDir);
  if (running) return { state: running, newUsers };

  const root = packageRoot();
  const tools = {
    hub: path.join(root, ".venv", "bin", "jupyterhub"),
    singleuser: path.join(root, ".venv", "bin", "jupyterhub-singleuser"),
    chp: path.join(root, "node_modules", ".bin", "configurable-http-proxy"),
    nginx: nginxBinary(),
  };
  for (const tool of [tools.hub, tools.singleuser, tools.chp]) {
    if (!existsSync(tool)) throw new StreamLinkError("serve-setup", `${path.basename(tool)} is not installed.`, "Run `bash scripts/setup-serve.sh` (or `npm run serve`).", { path: tool });
  }
  const model = await startService({ ...options, port: 0, stateDir });
  const [port, proxyPort, proxyApiPort, hubPort] = [options.port || await freePort(), await freePort(), await freePort(), await freePort()];
  const id = randomBytes(8).toString("hex");
  const hubTokenFile = path.join(stateDir, "hub-token");
  const hubToken = randomBytes(32).toString("hex");
  writeFileSync(hubTokenFile, `${hubToken}\n`, { mode: 0o600 });
  const env = {
    ...process.env,
    PATH: `${path.join(root, ".venv", "bin")}:${process.env["PATH"] ?? ""}`,
    STREAMLINK_STACK_ID: id,
    STREAMLINK_STACK_DIR: stateDir,
    STREAMLINK_PROXY_PORT: String(proxyPort),
    STREAMLINK_PROXY_API_PORT: String(proxyApiPort),
    STREAMLINK_HUB_PORT: String(hubPort),
    STREAMLINK_CHP: tools.chp,
    STREAMLINK_SINGLEUSER: tools.singleuser,
    STREAMLINK_HUB_API_TOKEN: hubToken,
    STREAMLINK_MODEL_URL: model.url,
    STREAMLINK_MODEL_TOKEN_FILE: model.tokenFile,
  };
  const config = path.join(root, "service", "stack", "jupyterhub_config.py");
  const hubPid = detached(tools.hub, ["-f", config], stateDir, "hub.log", env);
  const conf = writeNginxConfig(stateDir, { host: options.host, port, proxyPort, modelPort: Number(new URL(model.url).port) });
  const nginxPid = detached(tools.nginx, ["-p", stateDir, "-c", conf, "-e", path.join(stateDir, "nginx-error.log")], stateDir, "nginx.log", env);
  const state: StackState = {
    id, url: `http://${options.host === "0.0.0.0" ? "127.0.0.1" : options.host}:${port}`, hubPid, nginxPid,
    hubApiUrl: `http://127.0.0.1:${hubPort}/hub/api`, proxyUrl: `http://127.0.0.1:${proxyPort}`, hubTokenFile, startedAt: new Date().toISOString(),
  };
  writeFileSync(path.join(stateDir, STACK_FILE), `${JSON.stringify(state, null, 2)}\n`);
  const deadline = Date.now() + (options.timeoutMs ?? 180_000);
  while (!(await healthy(`${state.url}/hub/health`))) {
    if (Date.now() > deadline || !isAlive(hubPid) || !isAlive(nginxPid)) {
      await stopStack(stateDir);
      throw new StreamLinkError("serve-start", "JupyterHub or nginx did not start.", `See ${path.join(stateDir, "hub.log")} and nginx-error.log there; check that port ${port} is free.`, { port });
    }
    await sleep(300);
  }
  return { state, newUsers };
}

/** Stops nginx, the hub (which stops the proxy and every user's server), the model service, then any straggler. */
export async function stopStack(stateDir = defaultStateDir()): Promise<{ stopped: boolean }> {
  const file = path.join(stateDir, STACK_FILE);
  if (!existsSync(file)) return { stopped: (await stopService(stateDir)).stopped !== undefined };
  const state = JSON.parse(readFileSync(file, "utf8")) as StackState;
  // Fast shutdown: a graceful one (SIGQUIT) waits for every open connection, and a student's open notebook keeps
  // its kernel's websocket open, so stop waited out the 30 s limit (34 s in the class test; 0.1 s with SIGTERM).
  await ended(state.nginxPid, () => ownNginx(state.nginxPid, stateDir), "SIGTERM");
  await ended(state.hubPid, () => ownPid(state.hubPid, state.id), "SIGTERM");
  await stopService(stateDir);
  for (const pid of stackProcesses(state.id)) await ended(pid, () => ownPid(pid, state.id), "SIGTERM");
  rmSync(file, { force: true });
  return { stopped: true };
}

/** Accounts with their servers and open kernels, from the hub's API. */
export async function accountStatus(state: StackState): Promise<AccountStatus[]> {
  const token = readFileSync(state.hubTokenFile, "utf8").trim();
  const headers = { authorization: `token ${token}` };
  const users = await (await fetch(`${state.hubApiUrl}/users`, { headers })).json() as { name: string; admin: boolean; servers?: Record<string, { ready: boolean; url: string }> }[];
  return Promise.all(users.map(async (user) => {
    const server = user.servers?.[""];
    if (!server?.ready) return { name: user.name, admin: user.admin, server: "stopped" as const, kernels: 0 };
    const kernels = await fetch(`${state.proxyUrl}${server.url}api/kernels`, { headers }).then((r) => r.json() as Promise<unknown[]>, () => []);
    return { name: user.name, admin: user.admin, server: "running" as const, kernels: kernels.length };
  }));
}

/** Processes whose environment carries this stack's id (the hub's children and their kernels included). */
export function stackProcesses(id: string): number[] {
  return readdirSync("/proc").flatMap((entry) => (/^\d+$/.test(entry) && ownPid(Number(entry), id) ? [Number(entry)] : []));
}

function ownPid(pid: number, id: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/environ`, "utf8").split("\0").includes(`STREAMLINK_STACK_ID=${id}`);
  } catch {
    return false;
  }
}

/**
 * nginx writes its process title over its environment, so its master is known by its command line instead: the
 * configuration file of this state folder.
 */
function ownNginx(pid: number, stateDir: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(path.join(stateDir, "nginx.conf"));
  } catch {
    return false;
  }
}

/** Signals a process of this stack, then waits for it (SIGKILL after 30 s); `owned` guards against a reused pid. */
async function ended(pid: number, owned: () => boolean, signal: NodeJS.Signals): Promise<void> {
  if (!owned()) return;
  process.kill(pid, signal);
  const deadline = Date.now() + 30_000;
  while (isAlive(pid) && owned()) {
    if (Date.now() > deadline) process.kill(pid, "SIGKILL");
    await sleep(100);
  }
}

function detached(command: string, args: string[], cwd: string, logName: string, env: NodeJS.ProcessEnv): number {
  const log = openSync(path.join(cwd, logName), "a");
  const child = spawn(command, args, { cwd, detached: true, stdio: ["ignore", log, log], env });
  closeSync(log);
  child.unref();
  if (child.pid === undefined) throw new StreamLinkError("serve-start", `${path.basename(command)} could not be started.`, `See ${path.join(cwd, logName)}.`, { command });
  return child.pid;
}

/** A student's folder starts as a copy of the course notebooks; later starts leave their work alone. */
function copyNotebooks(home: string): void {
  if (existsSync(home)) return;
  cpSync(path.join(packageRoot(), "notebooks"), home, { recursive: true });
}

async function healthy(url: string): Promise<boolean> {
  return fetch(url, { signal: AbortSignal.timeout(2_000) }).then((r) => r.ok, () => false);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
