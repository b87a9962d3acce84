/**
 * `npm run bench:check`: checks per second on one core, for the Kaggle-like mix and for analytic SQL, each
 * cold (every text new to the checker: a fresh checker, parse cache off) one by one as cells are checked, cold
 * as a batch (checkMany: DuckDB's own parser reads the batch's SELECTs in one call), and warm (the same texts
 * again, parse cache hit). Figures are per wall second and per CPU second of this process (other load on a shared machine
 * skews the first, much less the second). The last lines split the cold cost: node-sql-parser alone on the
 * same texts, which bounds what the checker can reach without another parser.
 */
import { readFileSync } from "node:fs";
import { loadavg } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createChecker } from "../checks/index.js";
import { readLabelledCsv } from "../checks/evaluate.js";
import { lex } from "../checks/lexer.js";
import { parseSql } from "../checks/parser.js";
import { startsStatement } from "../checks/fragment.js";
import type { CheckContext, QueryChecker } from "../core/verdict.js";
import { createSession } from "../kernel/compose.js";
import { connectFromArgs } from "../cli/commands/sql.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const shared = (p: string): string => readFileSync(path.resolve(root, "../shared/data", p), "utf8");
const kaggle = readLabelledCsv(shared("sqli/kaggle-train.csv")).map((d) => d.query);
const tpch = shared("benign_sql/tpch.sql")
  .split("\n")
  .filter((l) => !l.trim().startsWith("--"))
  .join("\n")
  .split(";")
  .map((q) => q.trim())
  .filter((q) => q.length > 0);
const spider = shared("spider/dev_gold.sql")
  .split("\n")
  .filter((l) => l.trim() !== "")
  .map((l) => l.split("\t")[0]?.trim() ?? "");
const analytic = [...tpch, ...spider];

async function measure(label: string, n: number, run: () => Promise<void>): Promise<void> {
  const started = performance.now();
  const cpu = process.cpuUsage();
  await run();
  const used = process.cpuUsage(cpu);
  const seconds = (performance.now() - started) / 1000;
  const cpuSeconds = (used.user + used.system) / 1e6;
  console.log(
    `${label.padEnd(56)} ${(n / seconds).toFixed(0).padStart(8)} checks/s wall ${(n / cpuSeconds).toFixed(0).padStart(8)} per CPU-second  (${n} in ${seconds.toFixed(2)} s)`,
  );
}

const checkAll = async (checker: QueryChecker, queries: readonly string[]): Promise<void> => {
  for (const q of queries) await checker.check(q, { dialect: "duckdb" });
};

console.log(`load average ${loadavg().map((l) => l.toFixed(2)).join(" ")} on this machine; ${kaggle.length} Kaggle texts, ${analytic.length} analytic queries (TPC-H ${tpch.length}, Spider dev gold ${spider.length})`);
// Start-up (the grammar's module, about half a second) is not per-check cost: one check first.
const warmUp = createChecker();
await warmUp.check("SELECT 1", { dialect: "duckdb" });

// An in-memory DuckDB lends its parser for the batch figures (checkMany), as `eval sqli` uses it.
const session = createSession();
await connectFromArgs(session, "duckdb", ":memory:", undefined);
const engine = await session.engine();
const batchContext: CheckContext = {
  dialect: "duckdb",
  engineParse: (sql) => engine.parse(sql),
  engineParseMany: (sqls) => engine.parseMany?.(sqls) ?? Promise.resolve([]),
};
await createChecker().checkMany(["SELECT 1"], batchContext);

for (const [name, queries] of [["kaggle-train", kaggle], ["analytic (TPC-H + Spider dev)", analytic]] as const) {
  await measure(`${name}, cold, one by one`, queries.length, () => checkAll(createChecker({ parseCacheSize: 0 }), queries));
  await measure(`${name}, cold, batch (checkMany, DuckDB parser)`, queries.length, async () => {
    await createChecker({ parseCacheSize: 0 }).checkMany(queries, batchContext);
  });
  const cached = createChecker({ parseCacheSize: 50_000 });
  await checkAll(cached, queries);
  await measure(`${name}, warm (parse cache hit)`, queries.length, () => checkAll(cached, queries));
}
await session.close();
const statements = kaggle.filter((q) => startsStatement(lex(q)));
const fragments = kaggle.filter((q) => !startsStatement(lex(q)));
await measure("kaggle-train fragments only (no parse), cold", fragments.length, () => checkAll(createChecker({ parseCacheSize: 0 }), fragments));
await measure("kaggle-train statements only, cold", statements.length, () => checkAll(createChecker({ parseCacheSize: 0 }), statements));
await measure("node-sql-parser alone: kaggle statements", statements.length, async () => {
  for (const q of statements) await parseSql(q, "duckdb").catch(() => undefined);
});
await measure("node-sql-parser alone: analytic", analytic.length, async () => {
  for (const q of analytic) await parseSql(q, "duckdb").catch(() => undefined);
});
