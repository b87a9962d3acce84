import fs from "node:fs";
import { createChecker } from "./checks/index.js";
const lines = fs.readFileSync(process.argv[2]!, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as string);
const c = createChecker();
const byKey = new Map<string, string[]>();
for (const q of lines) { const v = await c.check(q, { dialect: "duckdb" }); const k = `${v.verdict}/${v.category}:${v.findings.filter(f=>f.severity==="error").map((f) => f.rule).join(",")}`; byKey.set(k, [...(byKey.get(k) ?? []), q]); }
for (const [k, qs] of [...byKey].sort((a, b) => b[1].length - a[1].length)) { console.log(qs.length, k); for (const q of qs.slice(0, Number(process.argv[3] ?? 3))) console.log("   ", JSON.stringify(q).slice(0, 150)); }
