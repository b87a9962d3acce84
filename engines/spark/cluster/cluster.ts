import { spawn } from "node:child_process";
import { closeSync, existsSync, openSync, readFileSync, readdirSync } from "node:fs";
import { mkdir, readFile, readdir, realpath, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { EngineUnavailableError, UsageError, asError } from "../../../core/errors.js";
import { freePort, isAlive } from "../../../core/process.js";
import { SparkEngine } from "../engine.js";
import { probePort } from "../thrift-client.js";
import {
  GUARD_DATA_DIR_CONF, confined, createSecret, javaArgs, javaExecutable, requireConfinement, requireJars, sparkEnv, sparkPaths, type SparkPaths,
} from "./runtime.js";
import { quotedIdentifier, quotedString } from "../../../core/sql-text.js";

const HOST = "127.0.0.1";
const MASTER_CLASS = "org.apache.spark.deploy.master.Master";
const WORKER_CLASS = "org.apache.spark.deploy.worker.Worker";
const SUBMIT_CLASS = "org.apache.spark.deploy.SparkSubmit";
const THRIFT_CLASS = "org.apache.spark.sql.hive.thriftserver.HiveThriftServer2";
const EXECUTOR_CLASS = "org.apache.spark.executor.CoarseGrainedExecutorBackend";
/** The guard's authenticator (engines/spark/cluster/guard): the password must be the run folder's secret. */
const AUTHENTICATOR_CLASS = "dev.streamlink.spark.SecretAuthenticator";
/** Master and workers only schedule: the quick JIT tier and a serial GC start them with less CPU. */
const DAEMON_FLAGS = ["-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"];

/** How `streamlink spark start` sizes the cluster; the defaults fit a 2-core machine shared with others. */
export interface StartOptions {
  readonly workers: number;
  readonly thriftPort: number;
  /** A folder whose Parquet files (and folders of Parquet files) become tables named after them. */
  readonly dataDir?: string;
  readonly coresPerWorker?: number;
  readonly memoryPerWorker?: string;
  readonly driverMemory?: string;
  /** Progress lines while starting ("master up", …). */
  readonly onStep?: (message: string) => void;
}

export type Role = "master" | "worker" | "thrift";

export interface ClusterProcess {
  readonly role: Role;
  readonly pid: number;
  /** When the process started (clock ticks after boot, /proc/PID/stat): with the pid, it names this process only. */
  readonly startTicks: number;
  readonly log: string;
  readonly uiPort: number;
}

/** What a running cluster is, as written to `.cache/spark/run/cluster.json`. */
export interface ClusterState {
  /** False while `start` is still bringing the cluster up (or when it failed half-way). */
  readonly ready: boolean;
  readonly thriftUrl: string;
  readonly thriftPort: number;
  readonly masterUrl: string;
  readonly masterUiUrl: string;
  /** The Thrift server's driver UI, which also serves Spark's REST API. */
  readonly driverUiUrl: string;
  readonly processes: readonly ClusterProcess[];
  readonly tables: readonly string[];
  readonly dataDir?: string;
  readonly startedAt: string;
  readonly startSeconds: number;
}

export interface ClusterStatus {
  readonly running: boolean;
  /** True when the Thrift server accepts connections. */
  readonly thriftReachable: boolean;
  readonly aliveWorkers?: number;
  readonly state?: ClusterState;
  readonly processes: readonly (ClusterProcess & { readonly alive: boolean })[];
  readonly runDir: string;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function tail(file: string, lines = 15): string {
  try {
    return readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "";
  }
}

async function readState(paths: SparkPaths): Promise<ClusterState | undefined> {
  try {
    return JSON.parse(await readFile(paths.stateFile, "utf8")) as ClusterState;
  } catch {
    return undefined;
  }
}

const MAIN_CLASS: Record<Role, string> = { master: MASTER_CLASS, worker: WORKER_CLASS, thrift: SUBMIT_CLASS };

/** Field 22 of /proc/PID/stat (after the parenthesised command name, which may hold spaces). */
function startTicksOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(fields[19]);
    return Number.isFinite(ticks) ? ticks : undefined;
  } catch {
    return undefined;
  }
}

/** The process's arguments; empty when it has ended (or never was). */
function commandLine(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
  } catch {
    return [];
  }
}

/**
 * True only for the very process `launch` started: same pid and start time as recorded, and still a Spark JVM of
 * this checkout's jars running the role's class. A pid reused by another program (or a hand-edited state file)
 * is never signalled.
 */
function isOurs(paths: SparkPaths, proc: ClusterProcess): boolean {
  if (startTicksOf(proc.pid) !== proc.startTicks) return false;
  const args = commandLine(proc.pid);
  return args.includes(path.join(paths.jars, "*")) && args.includes(MAIN_CLASS[proc.role]);
}

/**
 * Starts one detached JVM with its output in `log`, confined so that `readOnly` folders cannot be written; it
 * outlives this process (the CLI exits after start).
 */
function launch(paths: SparkPaths, role: Role, uiPort: number, log: string, heap: string, args: readonly string[], readOnly: readonly string[], jvmOptions: readonly string[] = []): ClusterProcess {
  const fd = openSync(log, "a");
  try {
    const command = confined(javaExecutable(), javaArgs(paths, heap, MAIN_CLASS[role], args, jvmOptions), readOnly);
    const child = spawn(command.command, command.args, {
      cwd: paths.run,
      env: sparkEnv(paths),
      detached: true,
      stdio: ["ignore", fd, fd],
    });
    child.unref();
    const startTicks = child.pid === undefined ? undefined : startTicksOf(child.pid);
    if (child.pid === undefined || startTicks === undefined) throw new Error(`could not start java for the ${role}`);
    return { role, pid: child.pid, startTicks, log, uiPort };
  } finally {
    closeSync(fd);
  }
}

/** Waits until `ready()` holds, failing early when the process died (with its log's last lines). */
async function waitFor(what: string, proc: ClusterProcess, timeoutMs: number, ready: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(proc.pid)) {
      throw new EngineUnavailableError(`The Spark ${proc.role} exited while starting (${what})`, `See ${proc.log}. Last lines:\n${tail(proc.log)}`, { log: proc.log });
    }
    if (await ready().catch(() => false)) return;
    await sleep(500);
  }
  throw new EngineUnavailableError(`Timed out waiting for ${what}`, `See ${proc.log}; the machine may be busy. Stop with \`npx streamlink spark stop\` and try again.`, { log: proc.log });
}

async function portOpen(port: number): Promise<boolean> {
  return probePort(HOST, port, 1_000).then(() => true, () => false);
}

async function aliveWorkers(masterUiPort: number): Promise<number> {
  const response = await fetch(`http://${HOST}:${masterUiPort}/json/`, { signal: AbortSignal.timeout(2_000) });
  const body = (await response.json()) as { aliveworkers?: unknown };
  return typeof body.aliveworkers === "number" ? body.aliveworkers : 0;
}

/** Each Parquet file (named by its stem) and each folder of Parquet files (named by the folder) of `dataDir`. */
async function tableSources(dataDir: string): Promise<{ name: string; location: string }[]> {
  const info = await stat(dataDir).catch(() => undefined);
  if (!info?.isDirectory()) throw new UsageError(`No such folder: ${dataDir}`, "Pass --data a folder of Parquet files, e.g. --data ../shared/data/patents/canonical.");
  const sources: { name: string; location: string }[] = [];
  for (const entry of (await readdir(dataDir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
    const full = path.join(dataDir, entry.name);
    if (entry.isDirectory()) {
      const nested = await readdir(full, { recursive: true });
      if (nested.some((f) => String(f).endsWith(".parquet"))) sources.push({ name: entry.name, location: full });
    } else if (entry.name.endsWith(".parquet")) {
      sources.push({ name: path.basename(entry.name, ".parquet"), location: full });
    }
  }
  if (sources.length === 0) throw new UsageError(`No Parquet files in ${dataDir}`, "Pass --data a folder that holds .parquet files.");
  return sources;
}

/** Registers the data folder's files as external tables (dropping a table never deletes the files). */
async function registerTables(thriftUrl: string, dataDir: string): Promise<string[]> {
  const sources = await tableSources(dataDir);
  const engine = await SparkEngine.open({ kind: "spark", target: thriftUrl, name: "setup" });
  try {
    for (const source of sources) {
      await engine.execute(`CREATE TABLE ${quotedIdentifier(source.name, "spark")} USING parquet LOCATION ${quotedString(source.location, "spark")}`, { maxRows: 1 });
    }
  } finally {
    await engine.close();
  }
  return sources.map((s) => s.name);
}

/**
 * Starts a standalone cluster on 127.0.0.1: one master, `workers` workers and the Spark Thrift server submitted to
 * the master, each its own JVM. Resolves once the Thrift server answers a query and the tables are registered;
 * on any failure everything started is stopped again.
 */
export async function startCluster(options: StartOptions): Promise<ClusterState> {
  const started = performance.now();
  const paths = sparkPaths();
  requireJars(paths);
  const step = options.onStep ?? (() => undefined);
  if (!Number.isInteger(options.workers) || options.workers < 1 || options.workers > 8) {
    throw new UsageError(`--workers must be 1…8, not ${options.workers}`, "Use e.g. --workers 2 (each worker takes one core).");
  }
  if (options.dataDir) await tableSources(path.resolve(options.dataDir));
  // The real path: it is what the mount covers and what the guard compares table locations with.
  const dataDir = options.dataDir ? await realpath(path.resolve(options.dataDir)) : undefined;
  const readOnly = dataDir ? [dataDir] : [];
  requireConfinement(readOnly);
  const current = await clusterStatus();
  if (current.running) {
    throw new EngineUnavailableError(
      `A Spark cluster is already running (${current.state?.thriftUrl ?? "see status"})`,
      "Use it as it is, or stop it first with `npx streamlink spark stop`.",
    );
  }
  if (await portOpen(options.thriftPort)) {
    throw new EngineUnavailableError(`Port ${options.thriftPort} on ${HOST} is already in use`, "Pick another with --port P.");
  }
  await rm(paths.run, { recursive: true, force: true });
  await mkdir(path.join(paths.run, "conf"), { recursive: true });
  await createSecret(paths);

  const [masterPort, masterUiPort, driverUiPort, ...workerUiPorts] = await Promise.all(
    Array.from({ length: 3 + options.workers }, () => freePort()),
  ) as [number, number, number, ...number[]];
  const masterUrl = `spark://${HOST}:${masterPort}`;
  const memory = options.memoryPerWorker ?? "1g";
  const cores = options.coresPerWorker ?? 1;
  const processes: ClusterProcess[] = [];
  const thriftUrl = `thrift://${HOST}:${options.thriftPort}`;
  const startedAt = new Date().toISOString();
  const stateNow = (ready: boolean, tables: readonly string[]): ClusterState => ({
    ready,
    thriftUrl,
    thriftPort: options.thriftPort,
    masterUrl,
    masterUiUrl: `http://${HOST}:${masterUiPort}`,
    driverUiUrl: `http://${HOST}:${driverUiPort}`,
    processes,
    tables,
    ...(dataDir ? { dataDir } : {}),
    startedAt,
    startSeconds: Math.round((performance.now() - started) / 100) / 10,
  });
  // Written as each JVM starts, so that `status` and `stop` see a cluster that is still coming up.
  const record = (): Promise<void> => writeFile(paths.stateFile, `${JSON.stringify(stateNow(false, []), null, 2)}\n`);
  try {
    const master = launch(paths, "master", masterUiPort, path.join(paths.run, "master.log"), "256m",
      ["--host", HOST, "--port", String(masterPort), "--webui-port", String(masterUiPort), "--properties-file", paths.authPropertiesFile], readOnly, DAEMON_FLAGS);
    processes.push(master);
    await record();
    await waitFor("the master", master, 60_000, () => portOpen(masterPort));
    step(`master up at ${masterUrl}`);

    workerUiPorts.forEach((uiPort, i) => {
      const workDir = path.join(paths.run, `worker-${i + 1}`);
      processes.push(launch(paths, "worker", uiPort, path.join(paths.run, `worker-${i + 1}.log`), "256m",
        ["--host", HOST, "--cores", String(cores), "--memory", memory, "--webui-port", String(uiPort), "--work-dir", workDir,
          "--properties-file", paths.authPropertiesFile, masterUrl], readOnly, DAEMON_FLAGS));
    });
    const conf: Record<string, string> = {
      "spark.driver.host": HOST,
      "spark.driver.bindAddress": HOST,
      "spark.ui.port": String(driverUiPort),
      "spark.port.maxRetries": "0",
      "spark.ui.showConsoleProgress": "false",
      "spark.executor.memory": memory,
      "spark.executor.cores": String(cores),
      "spark.cores.max": String(cores * options.workers),
      "spark.executor.extraJavaOptions": "-Duser.timezone=UTC",
      "spark.sql.session.timeZone": "UTC",
      // Security: a query cannot name a file (`parquet.\`/etc/…\``); only registered tables are reachable.
      "spark.sql.runSQLOnFiles": "false",
      // The second wall behind the checker: only queries run (no write, DDL, LOAD, CACHE, view over a path, TRANSFORM,
      // reflect, ADD JAR, CREATE FUNCTION, SET key=value), except registering the data folder's own files.
      "spark.sql.extensions": "dev.streamlink.spark.GuardExtension",
      ...(dataDir ? { [GUARD_DATA_DIR_CONF]: dataDir } : {}),
      // Nobody kills jobs from the web UI either.
      "spark.ui.killEnabled": "false",
      // The Thrift server streams a result partition by partition instead of collecting it whole on the driver.
      "spark.sql.thriftServer.incrementalCollect": "true",
      "spark.sql.shuffle.partitions": String(Math.max(4, 2 * cores * options.workers)),
      "spark.sql.warehouse.dir": path.join(paths.run, "warehouse"),
      "spark.hadoop.javax.jdo.option.ConnectionURL": `jdbc:derby:;databaseName=${path.join(paths.run, "metastore_db")};create=true`,
    };
    const hiveConf: Record<string, string> = {
      "hive.server2.thrift.bind.host": HOST,
      "hive.server2.transport.mode": "binary",
      // SASL PLAIN; the password must be the run folder's 0600 secret (read by the JVM, never on a command line).
      "hive.server2.authentication": "CUSTOM",
      "hive.server2.custom.authentication.class": AUTHENTICATOR_CLASS,
      "hive.server2.thrift.port": String(options.thriftPort),
      // GetOperationStatus long-polls; 1 s keeps progress updates flowing during long queries.
      "hive.server2.long.polling.timeout": "1000ms",
    };
    const thrift = launch(paths, "thrift", driverUiPort, path.join(paths.run, "thrift-server.log"), options.driverMemory ?? "1g", [
      "--master", masterUrl,
      "--properties-file", paths.authPropertiesFile,
      "--name", "streamlink-thrift-server",
      "--class", THRIFT_CLASS,
      ...Object.entries(conf).flatMap(([k, v]) => ["--conf", `${k}=${v}`]),
      "spark-internal",
      ...Object.entries(hiveConf).flatMap(([k, v]) => ["--hiveconf", `${k}=${v}`]),
    ], readOnly, [`-Dderby.system.home=${paths.run}`, `-Dstreamlink.thrift.secretFile=${paths.secretFile}`]);
    processes.push(thrift);
    await record();

    const workerProcs = processes.filter((p) => p.role === "worker");
    const firstWorker = workerProcs[0] as ClusterProcess;
    await waitFor(`${options.workers} worker(s) to register`, firstWorker, 120_000, async () => (await aliveWorkers(masterUiPort)) >= options.workers);
    step(`${options.workers} worker(s) registered`);
    await waitFor("the Thrift server's port", thrift, 240_000, () => portOpen(options.thriftPort));
    await waitFor("the Thrift server to answer a query", thrift, 60_000, async () => {
      const engine = await SparkEngine.open({ kind: "spark", target: thriftUrl, name: "probe" });
      try {
        const { table } = await engine.execute("SELECT 1 AS ready", { maxRows: 1 });
        return table.numRows === 1;
      } finally {
        await engine.close();
      }
    });
    step(`Thrift server answers at ${thriftUrl}`);
    const tables = dataDir ? await registerTables(thriftUrl, dataDir) : [];
    if (tables.length > 0) step(`registered ${tables.length} table(s): ${tables.join(", ")}`);
    const state = stateNow(true, tables);
    await writeFile(paths.stateFile, `${JSON.stringify(state, null, 2)}\n`);
    return state;
  } catch (error) {
    await stopProcesses(paths, processes);
    await rm(paths.stateFile, { force: true });
    throw error instanceof EngineUnavailableError || error instanceof UsageError
      ? error
      : new EngineUnavailableError(`Spark did not start: ${asError(error).message}`, `See the logs in ${paths.run}.`, { run: paths.run }, { cause: error });
  }
}

/** Our Spark JVMs still running: those started from this checkout's jars, found in /proc by their command line. */
function leftoverPids(paths: SparkPaths): number[] {
  if (!existsSync("/proc")) return [];
  const ours = path.join(paths.jars, "*");
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const args = commandLine(Number(entry));
    const spark = [MASTER_CLASS, WORKER_CLASS, SUBMIT_CLASS, EXECUTOR_CLASS].some((c) => args.includes(c));
    // A worker starts its executors with a class path of its own that lists the jars folder among others.
    if (spark && args.some((arg) => arg.split(path.delimiter).includes(ours))) pids.push(Number(entry));
  }
  return pids;
}

/** SIGTERM, then SIGKILL after `graceMs` for whatever is still alive. */
async function terminate(pids: readonly number[], graceMs: number): Promise<void> {
  const living = pids.filter(isAlive);
  for (const pid of living) {
    try { process.kill(pid, "SIGTERM"); } catch { /* already gone */ }
  }
  const deadline = Date.now() + graceMs;
  while (living.some(isAlive) && Date.now() < deadline) await sleep(200);
  for (const pid of living.filter(isAlive)) {
    try { process.kill(pid, "SIGKILL"); } catch { /* already gone */ }
  }
  while (living.some(isAlive)) await sleep(100);
}

async function stopProcesses(paths: SparkPaths, processes: readonly ClusterProcess[]): Promise<number[]> {
  const order: Role[] = ["thrift", "worker", "master"];
  const pids: number[] = [];
  for (const role of order) {
    const group = processes.filter((p) => p.role === role && isOurs(paths, p)).map((p) => p.pid);
    await terminate(group, 15_000);
    pids.push(...group);
  }
  // Executors belong to workers; a worker killed hard leaves its executor to exit on its own, so sweep.
  const leftovers = leftoverPids(paths);
  await terminate(leftovers, 5_000);
  return [...pids, ...leftovers];
}

/** Stops every process of the cluster (also one whose start failed half-way); returns the pids it ended. */
export async function stopCluster(): Promise<{ stopped: number[] }> {
  const paths = sparkPaths();
  const state = await readState(paths);
  const stopped = await stopProcesses(paths, state?.processes ?? []);
  await rm(paths.stateFile, { force: true });
  await rm(paths.secretFile, { force: true });
  await rm(paths.authPropertiesFile, { force: true });
  return { stopped: stopped.filter((pid, i, all) => all.indexOf(pid) === i) };
}

/** The cluster's processes and whether each is alive, the Thrift port's reachability and the master's worker count. */
export async function clusterStatus(): Promise<ClusterStatus> {
  const paths = sparkPaths();
  const state = await readState(paths);
  const processes = (state?.processes ?? []).map((p) => ({ ...p, alive: isOurs(paths, p) }));
  const master = processes.find((p) => p.role === "master");
  const workers = master?.alive ? await aliveWorkers(master.uiPort).catch(() => undefined) : undefined;
  const thriftReachable = state ? await portOpen(state.thriftPort) : false;
  return {
    running: processes.some((p) => p.alive) || leftoverPids(paths).length > 0,
    thriftReachable,
    ...(workers !== undefined ? { aliveWorkers: workers } : {}),
    ...(state ? { state } : {}),
    processes,
    runDir: paths.run,
  };
}
