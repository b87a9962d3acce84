/**
 * The long fuzz run: `npm run fuzz:long [-- CELLS [SEED [LOG]]]` (10,000 cells, seed 20 by default) through the real
 * kernel. Prints the slow or bad cells as they come, then the figures as JSON: cells, deaths, hangs, improper errors,
 * worst latency, peak memory of the kernel process. LOG, when given, receives the kernels' stderr.
 */
import { appendFileSync, writeFileSync } from "node:fs";
import { generateCells } from "./cells.js";
import { runFuzz } from "./harness.js";

const count = Number(process.argv[2] ?? 10_000);
const seed = Number(process.argv[3] ?? 20);
const log = process.argv[4];
if (log) writeFileSync(log, "");
/** Running totals, printed every 500 cells: a long run that is stopped early still has its figures. */
const so = { cells: 0, deaths: 0, hangs: 0, improper: 0, worst: 0 };
const figures = await runFuzz(generateCells(seed, count), (report, cell) => {
  so.cells++;
  so.deaths += report.died ? 1 : 0;
  so.hangs += report.hung ? 1 : 0;
  so.improper += report.error_ok ? 0 : 1;
  so.worst = Math.max(so.worst, report.seconds);
  if (so.cells % 500 === 0) {
    process.stderr.write(`after ${so.cells} cells (incl. setup): ${so.deaths} deaths, ${so.hangs} hangs, ${so.improper} improper, worst ${so.worst} s, peak ${Math.round(report.peak_rss_kb / 1024)} MB\n`);
  }
  if (report.seconds > 5 || report.hung || report.died || !report.error_ok) {
    if (log) appendFileSync(log, `=== cell ${report.i} ${cell.kind}: ${report.status} in ${report.seconds} s\n`);
    process.stderr.write(`cell ${report.i} ${cell.kind}: ${report.status} in ${report.seconds} s${report.hung ? " HUNG" : ""}${report.died ? " DIED" : ""}${report.error_ok ? "" : " IMPROPER"} ${JSON.stringify(cell.code.slice(0, 80))}\n`);
  }
}, log ? (text) => appendFileSync(log, text) : undefined);
process.stdout.write(`${JSON.stringify({ seed, ...figures }, null, 2)}\n`);
process.exitCode = figures.deaths + figures.hangs + figures.improper === 0 && figures.final === "2" && figures.setupOk ? 0 : 1;
