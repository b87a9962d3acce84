/**
 * `npm run bench:spark`: the cost StreamLink adds on top of Spark. On one local cluster (started here, timed, and
 * stopped at the end) serving generated patents (10 M rows by default, made once by `streamlink data generate`
 * into .cache/spark/bench: the cluster itself refuses to write tables), for the same SQL it times:
 *   - warm: Spark's own beeline (its "(N seconds)" per statement, one session) vs the StreamLink session in
 *     process (checker + engine + Arrow) and vs a `%%sql --engine spark` cell through the real kernel;
 *   - cold, a process per query: `beeline -e` vs `streamlink sql --engine spark`.
 * Prints medians and ratios (target ≤ 1.5×) and the cluster start time.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { rm } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { createSession } from "../kernel/compose.js";
import { sparkConnector } from "../engines/spark/engine.js";
import { clusterStatus, stopCluster } from "../engines/spark/cluster/cluster.js";
import { javaArgs, sparkPaths } from "../engines/spark/cluster/runtime.js";
import { runKernel } from "../test/support/kernel-client.js";
import { REPO } from "../test/support/paths.js";

const exec = promisify(execFile);
const PORT = Number(process.env["BENCH_SPARK_PORT"] ?? 10_400);
const URL = `thrift://127.0.0.1:${PORT}`;
const ROWS = process.env["BENCH_SPARK_ROWS"] ?? "10M";
const REPEATS = Number(process.env["BENCH_REPEATS"] ?? 3);
const TABLE = "patents";
const paths = sparkPaths();
const dataDir = path.join(paths.home, "bench", `generated-${ROWS}`);

const QUERIES: Record<string, string> = {
  "patents per country": `SELECT country, count(*) AS n, avg(num_claims) AS claims FROM ${TABLE} GROUP BY country ORDER BY n DESC, country`,
  "top assignees since 2015": `SELECT assignee, count(*) AS n FROM ${TABLE} WHERE publication_date >= DATE '2015-01-01' AND assignee IS NOT NULL GROUP BY assignee ORDER BY n DESC, assignee LIMIT 10`,
  "patents per year": `SELECT CAST(year(publication_date) AS INT) AS y, count(*) AS n FROM ${TABLE} GROUP BY 1 ORDER BY 1`,
  "20,000 rows materialised": `SELECT publication_number, country, title, publication_date, num_claims FROM ${TABLE} WHERE country = 'US' AND num_claims > 20 LIMIT 20000`,
};

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};
const fmt = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
const ratio = (ours: number, theirs: number): string => `${(ours / theirs).toFixed(2)}×`;

function beelineArgs(extra: readonly string[]): string[] {
  return javaArgs(paths, "512m", "org.apache.hive.beeline.BeeLine", [
    // The cluster's secret, read by beeline from its 0600 file (-w), never on the command line.
    "-u", `jdbc:hive2://127.0.0.1:${PORT}/default`, "-n", process.env["USER"] ?? "bench", "-w", paths.secretFile, "--outputformat=csv2", "--showHeader=false", ...extra,
  ]);
}

/** Runs statements in one beeline session; returns beeline's own timing of each ("N rows selected (X seconds)"). */
async function beelineWarm(sql: string, times: number): Promise<number[]> {
  const script = Array.from({ length: times }, () => `${sql};`).join("\n");
  const { stdout, stderr } = await exec("java", beelineArgs(["-e", script]), { cwd: REPO, maxBuffer: 512 * 1024 * 1024 });
  const seconds = [...`${stdout}\n${stderr}`.matchAll(/\((\d+(?:\.\d+)?) seconds\)/g)].map((m) => Number(m[1]) * 1000);
  if (seconds.length !== times) throw new Error(`beeline reported ${seconds.length} timings for ${times} statements:\n${stderr.slice(-2000)}`);
  return seconds;
}

async function timed(run: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await run();
  return performance.now() - t;
}

const cli = path.join(REPO, "bin", "streamlink.js");
if (!existsSync(path.join(dataDir, TABLE))) {
  await rm(dataDir, { recursive: true, force: true });
  const genMs = await timed(() => exec(process.execPath, [cli, "data", "generate", "--rows", ROWS, "--out", dataDir], { cwd: REPO }));
  console.log(`generated ${ROWS} patents in ${fmt(genMs)}`);
}

// A fresh cluster, timed as the user starts it.
if ((await clusterStatus()).running) {
  console.log("stopping the Spark cluster of this checkout that was running");
  await stopCluster();
}
const startMs = await timed(() => exec(process.execPath, [cli, "spark", "start", "--workers", "2", "--data", dataDir, "--port", String(PORT)], { cwd: REPO }));

try {
  const engine = await sparkConnector.connect({ kind: "spark", target: URL, name: "bench" });
  const count = await engine.execute(`SELECT count(*) AS n FROM ${TABLE}`, { maxRows: 1 });
  const rows = Number(count.table.get(0)?.toJSON()["n"]);
  await engine.close();

  const session = createSession();
  session.config.row_cap = 0;
  await session.connect({ kind: "spark", target: URL, name: "spark" });

  // One pass first, so that no path is measured against a driver that has not compiled these plans yet.
  for (const sql of Object.values(QUERIES)) await session.run(sql);

  const kernelSteps = [{ code: `%connect spark ${URL}` }, { code: "%config row_cap=0" }];
  for (const sql of Object.values(QUERIES)) for (let i = 0; i <= REPEATS; i++) kernelSteps.push({ code: `%%sql --engine spark\n${sql}` });
  const kernelRuns = await runKernel(kernelSteps, REPO);

  const lines: string[] = [];
  let k = 2;
  for (const [name, sql] of Object.entries(QUERIES)) {
    const beeline = (await beelineWarm(sql, REPEATS + 1)).slice(1);
    await session.run(sql);
    const ours: number[] = [];
    for (let i = 0; i < REPEATS; i++) ours.push(await timed(() => session.run(sql)));
    const kernelMs = kernelRuns.slice(k + 1, k + 1 + REPEATS).map((r) => r.seconds * 1000);
    k += REPEATS + 1;
    const coldBeeline: number[] = [];
    const coldOurs: number[] = [];
    for (let i = 0; i < REPEATS; i++) {
      coldBeeline.push(await timed(() => exec("java", beelineArgs(["-e", `${sql};`]), { cwd: REPO, maxBuffer: 512 * 1024 * 1024 })));
      coldOurs.push(await timed(() => exec(process.execPath, [cli, "sql", "--engine", "spark", "--url", URL, "--format", "json", "--limit", "1000000", sql], { cwd: REPO, maxBuffer: 512 * 1024 * 1024 })));
    }
    const b = median(beeline);
    lines.push([
      name, fmt(b), fmt(median(ours)), ratio(median(ours), b), fmt(median(kernelMs)), ratio(median(kernelMs), b),
      fmt(median(coldBeeline)), fmt(median(coldOurs)), ratio(median(coldOurs), median(coldBeeline)),
    ].join(" | "));
  }
  await session.close();

  console.log(`\nbench:spark — ${rows.toLocaleString("en-US")} rows in ${TABLE}, 2 workers × 1 core, median of ${REPEATS} (warm: first run discarded)`);
  console.log(`cluster start (streamlink spark start, master + 2 workers + Thrift server + 3 generated tables): ${fmt(startMs)}\n`);
  console.log("query | beeline warm | session | ratio | kernel %%sql | ratio | beeline process | streamlink sql | ratio");
  for (const line of lines) console.log(line);
  console.log("\ntarget: ratios ≤ 1.50×");
} finally {
  await stopCluster();
}
