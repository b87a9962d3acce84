/**
 * The Spark cluster's own wall, tried as an attacker would: a plain HiveServer2 client on the Thrift port, our
 * checker bypassed. One cluster (one worker) serves a copy of the patents data plus a folder table; every write,
 * DDL, load, cache and view over a path is refused by the cluster itself, the data files keep their SHA-256, a
 * client without the cluster's secret cannot get in (neither to the Thrift server nor to the master), and
 * `spark stop` leaves alone what it did not start.
 */
import { execFile, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, readdirSync, readlinkSync, statSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ClusterState } from "../../engines/spark/cluster/cluster.js";
import { confined, javaArgs, javaExecutable, readSecret, sparkPaths } from "../../engines/spark/cluster/runtime.js";
import { sparkConnector } from "../../engines/spark/engine.js";
import { AuthenticationRefusedError, HiveConnection } from "../../engines/spark/thrift-client.js";
import { cli } from "../support/cli.js";
import { freePort } from "../support/ports.js";
import { CANONICAL, REPO } from "../support/paths.js";

const run = promisify(execFile);
const TEST_TIMEOUT_MS = 600_000;
const JARS = path.join(REPO, ".cache", "spark", "jars", "*");

/** SHA-256 of every file under `dir`, by relative path (new files and deleted files show up as well). */
async function fingerprints(dir: string): Promise<Record<string, string>> {
  const files = (await readdir(dir, { recursive: true })).map(String).filter((f) => statSync(path.join(dir, f)).isFile()).sort();
  const sums: Record<string, string> = {};
  for (const file of files) sums[file] = createHash("sha256").update(await readFile(path.join(dir, file))).digest("hex");
  return sums;
}

/** Every JVM of this checkout's Spark (master, workers, Thrift server, executors). */
function sparkPids(): number[] {
  return readdirSync("/proc").filter((e) => /^\d+$/.test(e)).filter((pid) => {
    try {
      // Executors list the jars folder inside a longer class path.
      return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").some((arg) => arg.split(path.delimiter).includes(JARS));
    } catch {
      return false;
    }
  }).map(Number);
}

/** Field 22 of /proc/PID/stat: the process's start time. */
function startTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19]);
}

/** Local addresses (hex, as /proc/net/tcp* writes them) of the TCP sockets `pid` listens on. */
function listeningAddresses(pid: number): string[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const socket = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (socket?.[1]) inodes.add(socket[1]);
    } catch {
      // The descriptor closed while we looked.
    }
  }
  const addresses: string[] = [];
  for (const table of ["tcp", "tcp6"]) {
    for (const line of readFileSync(`/proc/${pid}/net/${table}`, "utf8").trim().split("\n").slice(1)) {
      const fields = line.trim().split(/\s+/);
      // st 0A = LISTEN; field 9 is the socket's inode.
      if (fields[3] === "0A" && inodes.has(fields[9] ?? "")) addresses.push(fields[1] ?? "");
    }
  }
  return addresses;
}

/** Runs one statement to its end and returns the server's error message, or "" when it succeeded. */
async function attempt(connection: HiveConnection, sql: string): Promise<string> {
  try {
    const operation = await connection.execute(sql);
    for (;;) {
      const status = await connection.status(operation);
      if (status.state !== "running" && status.state !== "pending") {
        await connection.closeOperation(operation).catch(() => undefined);
        return status.state === "finished" ? "" : status.errorMessage ?? status.state;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

describe("the Spark cluster's own wall, checker bypassed", () => {
  let work: string;
  let dataDir: string;
  let before: Record<string, string>;
  let port: number;
  let state: ClusterState;

  beforeAll(async () => {
    await cli("spark", "stop");
    work = await mkdtemp(path.join(tmpdir(), "sl-spark-wall-"));
    dataDir = path.join(work, "data");
    await mkdir(path.join(dataDir, "cpc_parts"), { recursive: true });
    for (const file of ["patents.parquet", "patent_cpc.parquet", "patent_inventors.parquet"]) await copyFile(path.join(CANONICAL, file), path.join(dataDir, file));
    // A folder of Parquet files is one table: INSERT INTO it would add a file to the folder.
    await copyFile(path.join(CANONICAL, "patent_cpc.parquet"), path.join(dataDir, "cpc_parts", "part-00000.parquet"));
    before = await fingerprints(dataDir);
    port = await freePort();
  });

  afterAll(async () => {
    await cli("spark", "stop");
    await rm(work, { recursive: true, force: true });
  });

  it("a process started the cluster's way cannot write the data folder, even as root", async () => {
    const target = path.join(dataDir, "patents.parquet");
    const command = confined("sh", ["-c", `grep CapEff /proc/self/status; echo x >> '${target}' || echo refused; touch '${path.join(dataDir, "new")}' || echo refused`], [dataDir]);
    const { stdout, stderr } = await run(command.command, command.args);
    expect(stdout).toMatch(/^CapEff:\s+0+\nrefused\nrefused\n$/);
    expect(stderr).toContain("Read-only file system");
    expect(await fingerprints(dataDir)).toEqual(before);
  }, TEST_TIMEOUT_MS);

  it("spark stop leaves alone a recorded pid that is not the Spark process it started", async () => {
    const bystander = spawn("sleep", ["600"], { stdio: "ignore" });
    const pid = bystander.pid as number;
    try {
      const paths = sparkPaths();
      await mkdir(paths.run, { recursive: true });
      const recorded = (ticks: number) => ({
        ready: true, thriftUrl: "thrift://127.0.0.1:1", thriftPort: 1, masterUrl: "", masterUiUrl: "", driverUiUrl: "", tables: [],
        startedAt: new Date().toISOString(), startSeconds: 0,
        processes: [{ role: "master", pid, startTicks: ticks, log: path.join(paths.run, "master.log"), uiPort: 1 }],
      });
      // The pid reused by another program (its start time differs), then a state file naming a non-Spark process.
      for (const ticks of [startTicks(pid) + 1, startTicks(pid)]) {
        await writeFile(paths.stateFile, JSON.stringify(recorded(ticks)));
        const stop = await cli("spark", "stop");
        expect(stop.code).toBe(0);
        expect(stop.stdout).toBe("No Spark process was running.\n");
        expect([bystander.exitCode, bystander.signalCode]).toEqual([null, null]);
      }
    } finally {
      bystander.kill("SIGKILL");
    }
  }, TEST_TIMEOUT_MS);

  it("starts with the data read-only to every JVM, without capabilities, listening on loopback only, behind a 0600 secret", async () => {
    const start = await cli("spark", "start", "--workers", "1", "--data", dataDir, "--port", String(port));
    expect(start.code, start.stderr).toBe(0);
    const status = await cli("spark", "status");
    state = (JSON.parse(status.stdout) as { state: ClusterState }).state;
    expect(state.tables).toEqual(["cpc_parts", "patent_cpc", "patent_inventors", "patents"]);
    // An executor starts with the first query.
    expect((await cli("sql", "--engine", "spark", "--url", state.thriftUrl, "SELECT count(*) FROM cpc_parts")).code).toBe(0);

    const pids = sparkPids();
    expect(pids.length).toBeGreaterThanOrEqual(4);
    const listening: string[] = [];
    for (const pid of pids) {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8");
      const mount = readFileSync(`/proc/${pid}/mountinfo`, "utf8").split("\n").map((l) => l.split(" ")).find((f) => f[4] === dataDir);
      expect(mount?.[5]?.split(",")[0], cmdline).toBe("ro");
      expect(readFileSync(`/proc/${pid}/status`, "utf8"), cmdline).toMatch(/^CapEff:\s+0+$/m);
      listening.push(...listeningAddresses(pid));
    }
    expect(listening.length).toBeGreaterThanOrEqual(4);
    // 0100007F is 127.0.0.1 (IPv4, or IPv4-mapped in a Java dual-stack socket).
    for (const address of listening) expect(address, address).toMatch(/^(?:0100007F|0{16}FFFF00000100007F):[0-9A-F]{4}$/);
    const paths = sparkPaths();
    for (const file of [paths.secretFile, paths.authPropertiesFile]) expect(statSync(file).mode & 0o777, file).toBe(0o600);
    // Any local user can read a command line: the secret is never on one.
    const secret = readSecret(paths) ?? "";
    expect(secret).toMatch(/^[0-9a-f]{64}$/);
    for (const pid of pids) expect(readFileSync(`/proc/${pid}/cmdline`, "utf8")).not.toContain(secret);
  }, TEST_TIMEOUT_MS);

  it("a client without the secret cannot open a session", async () => {
    for (const password of ["", "streamlink", "0".repeat(64)]) {
      const error = await HiveConnection.open({ host: "127.0.0.1", port, username: "attacker", password, timeoutMs: 10_000 }).catch((e: unknown) => e);
      expect(error, password).toBeInstanceOf(AuthenticationRefusedError);
    }
    // What a user sees when the secret on disk is not the running cluster's.
    const { secretFile } = sparkPaths();
    const secret = await readFile(secretFile, "utf8");
    await writeFile(secretFile, "f".repeat(64));
    try {
      const run = await cli("sql", "--engine", "spark", "--url", state.thriftUrl, "SELECT 1");
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`The Spark Thrift server at ${state.thriftUrl} refused StreamLink's credentials`);
      expect(run.stderr).toContain("hint: It accepts only the secret of the cluster this checkout started");
    } finally {
      await writeFile(secretFile, secret);
    }
  }, TEST_TIMEOUT_MS);

  it("a program without the secret cannot submit work to the master", async () => {
    // Spark's own standalone client, as anyone on the machine could run it: it would start a driver on a worker.
    const paths = sparkPaths();
    const submit = await run(javaExecutable(), javaArgs(paths, "256m", "org.apache.spark.deploy.Client", ["launch", state.masterUrl, "file:///nonexistent.jar", "Nothing"]), { timeout: 120_000 })
      .then(() => "accepted", (error: { stdout?: string; stderr?: string }) => `${error.stdout ?? ""}${error.stderr ?? ""}`);
    expect(submit).toContain("Expected SaslMessage");
    const master = (await (await fetch(`${state.masterUiUrl}/json/`)).json()) as Record<string, unknown[]>;
    expect([master["activedrivers"], master["completeddrivers"], master["completedapps"]]).toEqual([[], [], []]);
    expect(master["activeapps"]).toHaveLength(1);
  }, TEST_TIMEOUT_MS);

  it("refuses every write, DDL, load, cache and view over a path sent straight to the Thrift port; the data files are unchanged", async () => {
    const outside = path.join(work, "out");
    const attacks = [
      "DROP TABLE patents",
      "CREATE TABLE x AS SELECT 1 AS a",
      "CREATE TABLE c AS SELECT * FROM patent_cpc LIMIT 1",
      "INSERT OVERWRITE TABLE patent_cpc SELECT * FROM cpc_parts LIMIT 1",
      "INSERT INTO cpc_parts SELECT * FROM patent_cpc LIMIT 1",
      "INSERT INTO patents SELECT * FROM patents LIMIT 1",
      "TRUNCATE TABLE patent_inventors",
      "DELETE FROM patents WHERE true",
      "ALTER TABLE patents SET LOCATION '/etc'",
      "ALTER TABLE patents RENAME TO p2",
      "ANALYZE TABLE patents COMPUTE STATISTICS",
      `INSERT OVERWRITE DIRECTORY '${outside}' USING parquet SELECT * FROM patents`,
      `INSERT OVERWRITE LOCAL DIRECTORY '${outside}' SELECT * FROM patents`,
      `LOAD DATA LOCAL INPATH '${path.join(dataDir, "patent_cpc.parquet")}' OVERWRITE INTO TABLE patents`,
      "CACHE TABLE patents",
      "MSCK REPAIR TABLE cpc_parts",
      "CREATE TEMPORARY VIEW v USING text OPTIONS (path '/etc/passwd')",
      "CREATE TABLE etc USING text LOCATION '/etc'",
      `CREATE TABLE patents_copy USING parquet LOCATION '${path.join(dataDir, "patents.parquet")}'`,
      "CREATE VIEW pv AS SELECT * FROM patents",
      "RESET",
      // Dynamic SQL is analysed like any other statement.
      "EXECUTE IMMEDIATE 'DROP TABLE patents'",
      "EXECUTE IMMEDIATE 'INSERT INTO cpc_parts SELECT * FROM patent_cpc LIMIT 1'",
    ];
    const secret = readSecret(sparkPaths());
    expect(secret).toMatch(/^[0-9a-f]{64}$/);
    const connection = await HiveConnection.open({ host: "127.0.0.1", port, username: "attacker", password: secret ?? "", timeoutMs: 10_000 });
    try {
      for (const sql of attacks) expect(await attempt(connection, sql), sql).toContain("[STREAMLINK_BLOCKED]");
      expect(await attempt(connection, "SHOW TABLES"), "SHOW TABLES").toBe("");
    } finally {
      await connection.close();
    }
    expect(await fingerprints(dataDir)).toEqual(before);
    expect(existsSync(outside)).toBe(false);
  }, TEST_TIMEOUT_MS);

  it("queries still answer through the engine and the CLI, over the same tables", async () => {
    const engine = await sparkConnector.connect({ kind: "spark", target: state.thriftUrl, name: "spark" });
    try {
      expect((await engine.catalog()).tables.map((t) => t.name)).toEqual(["cpc_parts", "patent_cpc", "patent_inventors", "patents"]);
      const { table } = await engine.execute("SELECT count(*) AS n FROM patents", { maxRows: 1 });
      expect(table.get(0)?.toJSON()["n"]).toBe(14_684n);
    } finally {
      await engine.close();
    }
    const run = await cli("sql", "--engine", "spark", "--url", state.thriftUrl, "--format", "json", "SELECT count(*) AS n FROM patent_cpc");
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ rows: [[29_580]] });
  }, TEST_TIMEOUT_MS);

});
