/**
 * `npm run bench:sql`: the cost StreamLink adds to DuckDB. For a few queries over a generated 10 M row table it
 * times, in one run:
 *   - warm, in one process: raw @duckdb/node-api vs the StreamLink session (checker + engine + Arrow);
 *   - through the kernel (real Jupyter client, %%sql cell round trip) vs raw in-process;
 *   - cold, a process per query: a raw node script vs `streamlink sql`.
 * Prints medians and ratios (target ≤ 1.1× raw). Then 1 M rows × 10 columns of mixed types materialised as an
 * Arrow table in-process (target ≤ 0.5 s for the conversion), beside DuckDB's own scan and raw `getRowsJS()`.
 * `BENCH_ROWS` (≥ 1,000,000 for the wide row) and `BENCH_REPEATS` make it smaller; `BENCH_KERNEL=0` skips the
 * kernel and cold-process columns.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { loadavg } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { createSession } from "../kernel/compose.js";
import { runKernel } from "../test/support/kernel-client.js";
import { REPO } from "../test/support/paths.js";
import { generate, rawSession } from "./raw-duckdb.js";

const exec = promisify(execFile);
const ROWS = Number(process.env.BENCH_ROWS ?? 10_000_000);
const WITH_KERNEL = process.env.BENCH_KERNEL !== "0";
const REPEATS = Number(process.env.BENCH_REPEATS ?? 5);
const folder = path.join(REPO, ".cache", "bench", `sql-${ROWS}`);

const QUERIES: Record<string, string> = {
  "top CPC for Intel after 2009": "SELECT cpc, count(*) AS n FROM patents WHERE assignee = 'Intel Corporation' AND grant_date >= DATE '2010-01-01' GROUP BY cpc ORDER BY n DESC, cpc LIMIT 10",
  "patents per grant year": "SELECT year(grant_date) AS y, count(*) AS n FROM patents GROUP BY y ORDER BY y",
  "1,000 rows of a filter": "SELECT publication_number, assignee, grant_date, title FROM patents WHERE num_claims = 7 ORDER BY publication_number LIMIT 1000",
  "100,000 rows materialised": "SELECT publication_number, assignee, cpc, grant_date, num_claims FROM patents WHERE grant_date >= DATE '2020-01-01' LIMIT 100000",
};

const WIDE_ROWS = Math.min(ROWS, 1_000_000);
/** Ten columns: four VARCHAR, DATE, INTEGER, DOUBLE, TIMESTAMP, BOOLEAN, DECIMAL. */
const WIDE = `SELECT publication_number, assignee, cpc, title, grant_date, num_claims, num_claims * 1.5 AS score,
  grant_date::TIMESTAMP AS granted_at, num_claims % 2 = 0 AS even, CAST(num_claims AS DECIMAL(10,2)) AS claims_dec
  FROM patents LIMIT ${WIDE_ROWS}`;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};
const fmt = (ms: number): string => `${ms.toFixed(1)} ms`;

if (!existsSync(path.join(folder, "patents.parquet"))) {
  mkdirSync(folder, { recursive: true });
  const t = performance.now();
  await generate(path.join(folder, "patents.parquet"), ROWS);
  console.log(`generated ${ROWS.toLocaleString("en-US")} rows in ${((performance.now() - t) / 1000).toFixed(1)} s`);
}

const raw = await rawSession(folder);
const session = createSession();
session.config.row_cap = 0;
await session.connect({ kind: "duckdb", target: folder, name: "duckdb" });

const kernelSteps = [{ code: `%connect duckdb ${folder}` }, { code: "%config row_cap=0" }];
for (const sql of Object.values(QUERIES)) for (let i = 0; i <= REPEATS; i++) kernelSteps.push({ code: `%%sql\n${sql}` });
const kernelRuns = WITH_KERNEL ? await runKernel(kernelSteps, REPO) : [];

console.log(`\nbench:sql — ${ROWS.toLocaleString("en-US")} rows, median of ${REPEATS} warm runs (first run discarded); load average ${loadavg().map((l) => l.toFixed(2)).join(", ")}\n`);
console.log("query | raw node-api | session | ratio | kernel %%sql | ratio | raw process | streamlink sql | ratio");
let k = 2;
for (const [name, sql] of Object.entries(QUERIES)) {
  const rawMs: number[] = [];
  const slMs: number[] = [];
  await raw.query(sql);
  await session.run(sql);
  for (let i = 0; i < REPEATS; i++) {
    rawMs.push((await raw.query(sql)).ms);
    const t = performance.now();
    await session.run(sql);
    slMs.push(performance.now() - t);
  }
  const kernelMs = kernelRuns.slice(k + 1, k + 1 + REPEATS).map((r) => r.seconds * 1000);
  k += REPEATS + 1;
  const coldRaw: number[] = [];
  const coldSl: number[] = [];
  for (let i = 0; i < (WITH_KERNEL ? Math.min(REPEATS, 3) : 0); i++) {
    let t = performance.now();
    await exec(process.execPath, [path.join(REPO, "dist", "bench", "raw-duckdb.js"), folder, sql, "1"], { cwd: REPO });
    coldRaw.push(performance.now() - t);
    t = performance.now();
    await exec(process.execPath, [path.join(REPO, "bin", "streamlink.js"), "sql", "--db", folder, "--format", "json", "--limit", "1000000", sql], { cwd: REPO, maxBuffer: 256 * 1024 * 1024 });
    coldSl.push(performance.now() - t);
  }
  const r = median(rawMs);
  console.log([name, fmt(r), fmt(median(slMs)), `${(median(slMs) / r).toFixed(2)}×`, fmt(median(kernelMs)), `${(median(kernelMs) / r).toFixed(2)}×`,
    fmt(median(coldRaw)), fmt(median(coldSl)), `${(median(coldSl) / median(coldRaw)).toFixed(2)}×`].join(" | "));
}

const scanMs: number[] = [];
const arrowMs: number[] = [];
const rowsMs: number[] = [];
await session.run(WIDE, { maxRows: WIDE_ROWS });
for (let i = 0; i < REPEATS; i++) {
  scanMs.push((await raw.scan(WIDE)).ms);
  const t = performance.now();
  const { result } = await session.run(WIDE, { maxRows: WIDE_ROWS });
  arrowMs.push(performance.now() - t);
  if (result.table.numRows !== WIDE_ROWS || result.table.numCols !== 10) throw new Error(`expected ${WIDE_ROWS} × 10, got ${result.table.numRows} × ${result.table.numCols}`);
  rowsMs.push((await raw.query(WIDE)).ms);
}
const [scan, arrow, rows] = [median(scanMs), median(arrowMs), median(rowsMs)];
console.log(`\n${WIDE_ROWS.toLocaleString("en-US")} rows × 10 columns (4 VARCHAR, DATE, INTEGER, DOUBLE, TIMESTAMP, BOOLEAN, DECIMAL), median of ${REPEATS}`);
console.log("DuckDB scan, no values read | StreamLink → Arrow table | of which conversion | raw getRowsJS() | Arrow ÷ raw");
console.log([fmt(scan), fmt(arrow), fmt(arrow - scan), fmt(rows), `${(arrow / rows).toFixed(2)}×`].join(" | "));
console.log(`spread: scan ${fmt(Math.min(...scanMs))}–${fmt(Math.max(...scanMs))}, Arrow ${fmt(Math.min(...arrowMs))}–${fmt(Math.max(...arrowMs))}`);
raw.close();
await session.close();
