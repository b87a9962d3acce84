/**
 * `npm run bench:peers`: StreamLink's kernel against JupySQL 0.11 in a real IPython kernel, on the same Parquet
 * file, each `%%sql` cell timed the same way from the client (execute_request → idle, bench/peers_driver.py),
 * the two kernels taking turns cell by cell. JupySQL runs on DuckDB's Python package with `autopandas`, so every
 * row lands in a DataFrame; StreamLink's `%%sql --out r` materialises an Arrow table. Both show a preview.
 *
 * The peers live in a scratch virtualenv made here from PyPI (.cache/peers-venv: jupysql, duckdb, ipykernel,
 * jupyter_client, pandas). Prints per query the medians, their ratio and the spread of the timed cells.
 * BENCH_ROWS (default 10,000,000; ≥ 1,000,000 for the largest result), BENCH_REPEATS (default 5).
 */
import { execFile, spawn } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { loadavg } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { REPO, VENV_BIN } from "../test/support/paths.js";
import { generate } from "./raw-duckdb.js";

const exec = promisify(execFile);
const ROWS = Number(process.env.BENCH_ROWS ?? 10_000_000);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 5);
const folder = path.join(REPO, ".cache", "bench", `sql-${ROWS}`);
const file = path.join(folder, "patents.parquet");
const venv = path.join(REPO, ".cache", "peers-venv");
/** What the peers' environment is made of; duckdb pinned to the version the issue measured against. */
const PEER_PACKAGES = ["jupysql==0.11.1", "duckdb==2.0.1", "ipykernel", "jupyter_client", "pandas"];

const QUERIES: { name: string; sql: string }[] = [
  { name: "top CPC for one assignee after 2009 (10 rows)", sql: "SELECT cpc, count(*) AS n FROM patents WHERE assignee = 'Intel Corporation' AND grant_date >= DATE '2010-01-01' GROUP BY cpc ORDER BY n DESC, cpc LIMIT 10" },
  { name: "patents per grant year (33 rows)", sql: "SELECT year(grant_date) AS y, count(*) AS n FROM patents GROUP BY y ORDER BY y" },
  { name: "1,000 rows of a filter (text)", sql: "SELECT publication_number, assignee, grant_date, title FROM patents WHERE num_claims = 7 ORDER BY publication_number LIMIT 1000" },
  { name: "100,000 rows × 5 columns", sql: "SELECT publication_number, assignee, cpc, grant_date, num_claims FROM patents WHERE grant_date >= DATE '2020-01-01' LIMIT 100000" },
  { name: "1,000,000 rows × 2 numbers", sql: "SELECT num_claims, num_claims * 1.5 AS score FROM patents LIMIT 1000000" },
  { name: "1,000,000 rows × 3 text columns", sql: "SELECT publication_number, assignee, title FROM patents LIMIT 1000000" },
];

async function peersVenv(): Promise<string> {
  const python = path.join(venv, "bin", "python");
  if (!existsSync(path.join(venv, ".ready"))) {
    console.log(`making ${path.relative(REPO, venv)} (${PEER_PACKAGES.join(", ")}) …`);
    await exec("python3", ["-m", "venv", venv]);
    await exec(python, ["-m", "pip", "install", "--quiet", "--disable-pip-version-check", ...PEER_PACKAGES], { maxBuffer: 64 * 1024 * 1024 });
    await exec(python, ["-c", "open('" + path.join(venv, ".ready") + "', 'w').close()"]);
  }
  return python;
}

/** One timed cell: until the kernel was idle, and until its first table reached the client (none: no table shown). */
interface Timing { kernel: string; query: string; ms: number; first_ms: number | null }

function drive(python: string, plan: unknown): Promise<Timing[]> {
  return new Promise((resolve, reject) => {
    // The peers' own kernelspec (python3) comes from their venv; StreamLink's from the project's .venv.
    const child = spawn(python, [path.join(REPO, "bench", "peers_driver.py")], {
      cwd: REPO,
      env: { ...process.env, JUPYTER_PATH: path.join(path.dirname(VENV_BIN), "share", "jupyter"), PATH: `${path.join(venv, "bin")}:${process.env.PATH ?? ""}` },
      stdio: ["pipe", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => { out += d.toString(); });
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) reject(new Error(`peers driver exited ${code}`));
      else resolve(out.trim().split("\n").filter(Boolean).map((l) => JSON.parse(l) as Timing));
    });
    child.stdin.end(JSON.stringify(plan));
  });
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};
const ms = (x: number): string => `${x.toFixed(0)} ms`;
const spread = (xs: number[]): string => `${ms(Math.min(...xs))}–${ms(Math.max(...xs))}`;
const load = (): string => loadavg().map((l) => l.toFixed(2)).join(", ");

if (!existsSync(file)) {
  mkdirSync(folder, { recursive: true });
  await generate(file, ROWS);
}
const python = await peersVenv();
const queries = QUERIES.filter((q) => !q.sql.includes("LIMIT 1000000") || ROWS >= 1_000_000);
const loadBefore = load();
const timings = await drive(python, {
  kernels: {
    StreamLink: {
      kernel: "streamlink",
      cwd: REPO,
      setup: [`%connect duckdb ${folder}`, "%config row_cap=0"],
      cell: "%%sql --out r\n{sql}",
    },
    JupySQL: {
      kernel: "python3",
      cwd: REPO,
      setup: [
        "%load_ext sql",
        `import duckdb\nconn = duckdb.connect()\nconn.execute("CREATE VIEW patents AS SELECT * FROM read_parquet('${file}')")`,
        "%sql conn --alias duckdb",
        "%config SqlMagic.autopandas = True",
        "%config SqlMagic.displaycon = False",
      ],
      cell: "%%sql\n{sql}",
    },
  },
  queries,
  repeats: REPEATS,
  warmup: 1,
});

console.log(`\nbench:peers — ${ROWS.toLocaleString("en-US")}-row Parquet file, median of ${REPEATS} cells after a warm-up, execute_request → idle`);
console.log(`load average before: ${loadBefore}; after: ${load()} (${(await exec("nproc")).stdout.trim()} cores)\n`);
console.log("query | StreamLink | JupySQL | StreamLink ÷ JupySQL | StreamLink spread | JupySQL spread | first rows on screen: StreamLink | JupySQL");
for (const { name } of queries) {
  const of = (kernel: string, time: (t: Timing) => number | null): number[] =>
    timings.filter((t) => t.kernel === kernel && t.query === name).flatMap((t) => time(t) ?? []);
  const [sl, js] = [of("StreamLink", (t) => t.ms), of("JupySQL", (t) => t.ms)];
  // A long StreamLink result shows its first rows while it runs (%%sql's partial display); JupySQL shows its DataFrame at the end.
  const [slFirst, jsFirst] = [of("StreamLink", (t) => t.first_ms), of("JupySQL", (t) => t.first_ms)];
  const first = (xs: number[]): string => (xs.length ? ms(median(xs)) : "no table");
  console.log([name, ms(median(sl)), ms(median(js)), `${(median(sl) / median(js)).toFixed(2)}×`, spread(sl), spread(js), first(slFirst), first(jsFirst)].join(" | "));
}
