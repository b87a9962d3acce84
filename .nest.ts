import { parseSql } from "./checks/parser.js";
for (const d of [4, 8, 12, 16, 20]) for (const dialect of ["duckdb", "spark"] as const) {
  const cases = { open: "(".repeat(d) + "SELECT 1", balanced: "SELECT " + "(".repeat(d) + "1" + ")".repeat(d), tail: "SELECT * FROM t" + "(".repeat(d) };
  for (const [k, s] of Object.entries(cases)) { const t = performance.now(); await parseSql(s, dialect); const dt = performance.now() - t; if (dt > 5) console.log(dialect, d, k, dt.toFixed(1)); }
}
