/**
 * `npm run bench:check`: checks per second on one core, measured three ways so the figures are honest
 * (per wall second, and per CPU second of this process, which other load on the machine does not skew):
 * cold (each distinct query parsed for the first time), warm (the same queries again, parse cache hit),
 * and fragments only (the Kaggle rows that no statement grammar is tried on).
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createChecker } from "../checks/index.js";
import { readLabelledCsv } from "../checks/evaluate.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const data = readLabelledCsv(readFileSync(path.resolve(root, "../shared/data/sqli/kaggle-train.csv"), "utf8")).map((d) => d.query);

async function rate(label: string, queries: readonly string[], checker = createChecker({ parseCacheSize: 50_000 })): Promise<void> {
  const started = performance.now();
  const cpu = process.cpuUsage();
  for (const q of queries) await checker.check(q, { dialect: "duckdb" });
  const used = process.cpuUsage(cpu);
  const seconds = (performance.now() - started) / 1000;
  const cpuSeconds = (used.user + used.system) / 1e6;
  console.log(
    `${label.padEnd(40)} ${(queries.length / seconds).toFixed(0).padStart(7)} checks/s wall, ${(queries.length / cpuSeconds).toFixed(0).padStart(7)} per CPU-second  (${queries.length} checks, ${seconds.toFixed(2)} s)`,
  );
}

const checker = createChecker({ parseCacheSize: 50_000 });
await checker.check("SELECT 1", { dialect: "duckdb" });
await rate("kaggle-train, cold (every query new)", data, checker);
await rate("kaggle-train, warm (parse cache hit)", data, checker);
const fragments = data.filter((q) => !/^\s*(select|with|insert|update|delete|create|drop|alter|from|\()/i.test(q));
await rate("kaggle-train fragments only, cold", fragments);
