import fs from "node:fs";
import { createChecker } from "./checks/index.js";
import { evaluateSqli, readLabelledCsv } from "./checks/evaluate.js";
const data = readLabelledCsv(fs.readFileSync("../shared/data/sqli/kaggle-train.csv", "utf8"));
const c = createChecker();
const r = await evaluateSqli(c, data, "duckdb");
const show = async (name: string, qs: readonly { query: string }[], n: number) => {
  const byKey = new Map<string, string[]>();
  for (const { query: q } of qs) { const v = await c.check(q, { dialect: "duckdb" }); const k = `${v.verdict}/${v.category}:${v.findings.filter(f=>f.severity==="error").map((f) => f.rule).join(",")} ${v.findings.find(f=>f.rule==="security.injection")?.message.replace(/.*signals: /,"") ?? ""}`; byKey.set(k, [...(byKey.get(k) ?? []), q]); }
  console.log("=====", name);
  for (const [k, qs] of [...byKey].sort((a, b) => b[1].length - a[1].length)) { console.log(qs.length, k); for (const q of qs.slice(0, n)) console.log("   ", JSON.stringify(q).slice(0, 160)); }
};
await show("FP", r.falsePositives.filter(q => !/^\s*(insert|update|delete)/i.test(q.query)), Number(process.argv[2] ?? 3));
await show("FN", r.falseNegatives, Number(process.argv[3] ?? 3));
