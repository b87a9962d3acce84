/**
 * `npm run bench:scale` (outside CI): the paper's example question at 10 M and 100 M synthetic patents.
 *
 * For each size it generates the data once (cached in `.cache/scale/`, git-ignored), then times in one run:
 *   - raw @duckdb/node-api (views over the same Parquet files; bench/raw-duckdb.ts), in its own process;
 *   - the same SQL through the StreamLink session (checker + locked-down engine + Arrow), in its own process, split
 *     into check and execute;
 *   - `%%sql` and `%%ask` cells through the real kernel (model, checks, execution, display), when the kernel runs;
 *   - `%%ask` in-process for the model's own stage timings, when a local model is configured.
 * Prints medians, ratios to raw, peak memory (max RSS of each measuring process) and the generation figures.
 *
 * Environment: BENCH_SCALE_SIZES (default "10M,100M"), BENCH_REPEATS (5), BENCH_ASK_REPEATS (3), BENCH_SEED (42),
 * BENCH_THREADS (2).
 */
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { parseRowCount } from "../datasets/index.js";
import { REPO } from "../test/support/paths.js";

const exec = promisify(execFile);
const SELF = fileURLToPath(import.meta.url);
const QUESTION = "tell me the top 10 most frequently appeared CPC by the assignee of Intel after 2009";
/** The paper's SQL (§3.1) in DuckDB syntax: string literals in single quotes, the year as a date. */
const PAPER_SQL = "SELECT cpc, COUNT(*) AS count FROM patents WHERE assignee LIKE '%Intel%' AND grant_date >= DATE '2009-01-01' GROUP BY cpc ORDER BY count DESC LIMIT 10";
const REPEATS = Number(process.env["BENCH_REPEATS"] ?? 5);
/** %%ask runs a model: fewer repeats keep the run under an hour on 2 cores. */
const ASK_REPEATS = Number(process.env["BENCH_ASK_REPEATS"] ?? 3);
const SEED = Number(process.env["BENCH_SEED"] ?? 42);
const THREADS = Number(process.env["BENCH_THREADS"] ?? 2);

interface Timed {
  readonly firstMs: number;
  readonly ms: readonly number[];
  readonly maxRssMB: number;
  readonly stages?: Readonly<Record<string, readonly number[]>>;
  readonly sql?: string;
  readonly rows?: number;
  readonly skipped?: string;
  /** Runs whose query failed (e.g. the model's SQL did not run); they are still timed. */
  readonly failures?: readonly string[];
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] ?? 0) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
};
const maxRssMB = (): number => Math.round(process.resourceUsage().maxRSS / 1024);
const ms = (x: number): string => (Number.isFinite(x) ? (x >= 10_000 ? `${(x / 1000).toFixed(1)} s` : `${x.toFixed(0)} ms`) : "–");

/** Runs this file in a fresh process in one of the child modes and parses its JSON line. */
async function child<T>(...args: string[]): Promise<T> {
  const { stdout } = await exec(process.execPath, ["--import", "tsx", SELF, "--child", ...args], { cwd: REPO, maxBuffer: 64 * 1024 * 1024, timeout: 3 * 3600 * 1000 });
  const line = stdout.trim().split("\n").pop() ?? "{}";
  return JSON.parse(line) as T;
}

async function childMain(mode: string, args: string[]): Promise<unknown> {
  const [dir = "", sql = PAPER_SQL] = args;
  if (mode === "generate") {
    const { generatePatents } = await import("../datasets/generator/generate.js");
    const { defaultSampleDir } = await import("../datasets/index.js");
    const started = performance.now();
    // progress on stderr, so a run stopped by a time limit still tells its rate
    const onProgress = (done: number, total: number) => process.stderr.write(`${((performance.now() - started) / 1000).toFixed(0)} s: ${done}/${total} rows, max RSS ${maxRssMB()} MB\n`);
    const report = await generatePatents({ rows: Number(args[1]), outDir: dir, seed: SEED, sampleDir: defaultSampleDir(), threads: THREADS, overwrite: true, onProgress });
    return { ...report, maxRssMB: maxRssMB() };
  }
  if (mode === "raw") {
    const { rawSession } = await import("./raw-duckdb.js");
    const raw = await rawSession(dir);
    const first = await raw.query(sql);
    const runs: number[] = [];
    for (let i = 0; i < REPEATS; i++) runs.push((await raw.query(sql)).ms);
    raw.close();
    return { firstMs: first.ms, ms: runs, rows: first.rows, maxRssMB: maxRssMB() } satisfies Timed;
  }
  if (mode === "sql") {
    const { createSession } = await import("../kernel/compose.js");
    const session = createSession();
    try {
      const engine = await session.connect({ kind: "duckdb", target: dir, name: "duckdb" });
      let t = performance.now();
      const firstRun = await session.run(sql);
      const firstMs = performance.now() - t;
      const total: number[] = [];
      const check: number[] = [];
      const execute: number[] = [];
      for (let i = 0; i < REPEATS; i++) {
        t = performance.now();
        await session.run(sql);
        total.push(performance.now() - t);
        // the same two stages session.run performs, timed apart
        t = performance.now();
        const verdict = await session.check(sql, engine);
        check.push(performance.now() - t);
        t = performance.now();
        await engine.execute(verdict.executedSql, { maxRows: session.config.max_rows });
        execute.push(performance.now() - t);
      }
      return { firstMs, ms: total, rows: firstRun.result.table.numRows, stages: { check, execute }, maxRssMB: maxRssMB() } satisfies Timed;
    } finally {
      await session.close();
    }
  }
  if (mode === "ask") {
    const { createSession } = await import("../kernel/compose.js");
    const { askQuestion } = await import("../session/ask.js");
    const session = createSession();
    try {
      await session.connect({ kind: "duckdb", target: dir, name: "duckdb" });
      let generator;
      try {
        generator = await session.generator();
      } catch (e) {
        return { firstMs: Number.NaN, ms: [], maxRssMB: maxRssMB(), skipped: `skipped: ${(e as Error).message}` } satisfies Timed;
      }
      // The paper's question reads data; were it refused there would be no SQL to time.
      const ask = async () => {
        const result = await askQuestion(session, generator, { question: QUESTION });
        if (result.kind === "refused") throw new Error(`the benchmark question was refused: ${result.verdict.findings[0]?.message ?? ""}`);
        return result;
      };
      let t = performance.now();
      const first = await ask();
      const firstMs = performance.now() - t;
      const total: number[] = [];
      const stages: Record<string, number[]> = {};
      const failures: string[] = first.error ? [first.error.message] : [];
      for (let i = 0; i < ASK_REPEATS; i++) {
        t = performance.now();
        const outcome = await ask();
        total.push(performance.now() - t);
        for (const [k, v] of Object.entries(outcome.provenance.timings)) (stages[k] ??= []).push(v);
        if (outcome.run) (stages["execute (engine)"] ??= []).push(outcome.run.result.elapsedMs);
        if (outcome.error) failures.push(outcome.error.message);
      }
      return { firstMs, ms: total, stages, sql: first.sql, rows: first.run?.result.table.numRows ?? 0, failures, maxRssMB: maxRssMB() } satisfies Timed;
    } finally {
      await session.close();
    }
  }
  throw new Error(`unknown child mode ${mode}`);
}

/** `%%sql` and `%%ask` cells through the real kernel; the first run of each is a warm-up. */
async function kernelCells(dir: string): Promise<{ sql: Timed; ask: Timed }> {
  const { runKernel, visibleText } = await import("../test/support/kernel-client.js");
  const sqlSteps = Array.from({ length: REPEATS + 1 }, () => ({ code: `%%sql\n${PAPER_SQL}`, timeout_s: 600 }));
  const askSteps = Array.from({ length: ASK_REPEATS + 1 }, () => ({ code: `%%ask\n${QUESTION}`, timeout_s: 900 }));
  const results = await runKernel([{ code: `%connect duckdb ${dir}` }, ...sqlSteps, ...askSteps], REPO);
  const toTimed = (rs: typeof results): Timed => {
    const failed = rs.find((r) => r.reply.status !== "ok");
    if (failed) {
      const error = failed.iopub.find((m) => m.type === "error")?.content;
      return { firstMs: Number.NaN, ms: [], maxRssMB: Number.NaN, skipped: `failed: ${error ? `${String(error["ename"])}: ${String(error["evalue"])}` : visibleText(failed.iopub)}`.slice(0, 300).replaceAll("\n", " ") };
    }
    return { firstMs: (rs[0]?.seconds ?? Number.NaN) * 1000, ms: rs.slice(1).map((r) => r.seconds * 1000), maxRssMB: Number.NaN };
  };
  return { sql: toTimed(results.slice(1, 2 + REPEATS)), ask: toTimed(results.slice(2 + REPEATS)) };
}

function row(label: string, t: Timed, rawMedian: number): string {
  if (t.skipped) return `| ${label} | – | – | – | – | ${t.skipped} |`;
  const m = median(t.ms);
  return `| ${label} | ${ms(t.firstMs)} | ${ms(m)} | ${(m / rawMedian).toFixed(2)}× | ${Number.isFinite(t.maxRssMB) ? `${t.maxRssMB} MB` : "–"} | ${Object.entries(t.stages ?? {}).map(([k, v]) => `${k} ${ms(median(v))}`).join(", ")} |`;
}

async function main(): Promise<void> {
  const sizes = (process.env["BENCH_SCALE_SIZES"] ?? "10M,100M").split(",").map((s) => parseRowCount(s.trim()));
  console.log(`bench:scale — "${QUESTION}"\nSQL: ${PAPER_SQL}\nmedian of ${REPEATS} warm runs (%%ask: ${ASK_REPEATS}) after a first (cold) run; ratios against raw @duckdb/node-api\n`);
  for (const rows of sizes) {
    const dir = path.join(REPO, ".cache", "scale", `patents-${rows}-seed${SEED}`);
    const marker = path.join(dir, "GENERATED.json");
    let gen: { seconds: number; rowsPerSecond: number; setupSeconds?: number; maxRssMB?: number; cached?: boolean };
    if (existsSync(marker) && (JSON.parse(readFileSync(marker, "utf8")) as { rows: { patents: number } }).rows.patents === rows) {
      gen = { ...(JSON.parse(readFileSync(marker, "utf8")) as { seconds: number; rowsPerSecond: number }), cached: true };
    } else {
      gen = await child("generate", dir, String(rows));
    }
    const { stdout: du } = await exec("du", ["-sh", dir]);
    console.log(`## ${rows.toLocaleString("en-US")} patents (${du.split("\t")[0]} Parquet) — generated in ${gen.seconds.toFixed(0)} s, ${Math.round(gen.rowsPerSecond).toLocaleString("en-US")} patents/s${gen.maxRssMB ? `, peak ${gen.maxRssMB} MB` : ""}${gen.cached ? " (cached run)" : ""}`);
    const raw = await child<Timed>("raw", dir, PAPER_SQL);
    const r = median(raw.ms);
    console.log("\n| path | first run | median | vs raw | peak memory | stages (median) |\n|---|---|---|---|---|---|");
    console.log(row("raw @duckdb/node-api", raw, r));
    const sql = await child<Timed>("sql", dir, PAPER_SQL);
    console.log(row("session (checker + engine + Arrow)", sql, r));
    const ask = await child<Timed>("ask", dir);
    console.log(row("%%ask in-process (model stages)", ask, r));
    let kernel: { sql: Timed; ask: Timed };
    try {
      kernel = await kernelCells(dir);
    } catch (e) {
      const skipped = `skipped: kernel not available (${(e as Error).message.split("\n")[0]})`;
      kernel = { sql: { firstMs: Number.NaN, ms: [], maxRssMB: Number.NaN, skipped }, ask: { firstMs: Number.NaN, ms: [], maxRssMB: Number.NaN, skipped } };
    }
    console.log(row("kernel %%sql cell", kernel.sql, r));
    console.log(row("kernel %%ask cell (end to end)", kernel.ask, r));
    if (ask.sql) console.log(`\nSQL the model wrote: ${ask.sql}`);
    if (ask.failures && ask.failures.length > 0) console.log(`%%ask runs whose SQL failed: ${ask.failures.length} of ${ASK_REPEATS + 1} (${ask.failures[0]?.slice(0, 200)})`);
    console.log(`rows returned: raw ${raw.rows ?? "?"}, session ${sql.rows ?? "?"}\n`);
  }
}

const childAt = process.argv.indexOf("--child");
if (childAt >= 0) {
  const [mode = "", ...args] = process.argv.slice(childAt + 1);
  process.stdout.write(`${JSON.stringify(await childMain(mode, args))}\n`);
} else if (process.argv[1] === SELF) {
  await main();
}
