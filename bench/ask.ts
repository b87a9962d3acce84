/**
 * `npm run bench:ask [-- MODEL...]`: execution accuracy and seconds per question of `%%ask` on the patents dev
 * questions (../shared/data/patents/questions-dev.jsonl), for each model named (default: the bundled one), with
 * the notes and saved examples of notebooks/streamlink-examples.json as a user of the demo notebook has them.
 * Every question goes through the real checker and DuckDB, as in the notebook. Prints EX, median and p90 seconds,
 * the threads used and the machine's load average (other work on the CPU slows the model several-fold).
 */
import { loadavg } from "node:os";
import path from "node:path";
import { createChecker } from "../checks/index.js";
import { runEvaluation } from "../evals/harness.js";
import { loadQuestionFile, openDuckdbSource } from "../evals/questions.js";
import { defaultThreads } from "../models/llama.js";
import { ExampleStore, LocalSqlGenerator, loadRegistry } from "../models/index.js";
import { REPO, SHARED_DATA } from "../test/support/paths.js";

const models = process.argv.slice(2).length > 0 ? process.argv.slice(2) : [loadRegistry().default];
const limit = Number(process.env.BENCH_LIMIT ?? 0);
const db = path.join(SHARED_DATA, "patents", "canonical");
const store = new ExampleStore(path.join(REPO, "notebooks", "streamlink-examples.json"));
const all = await loadQuestionFile(path.join(SHARED_DATA, "patents", "questions-dev.jsonl"), "canonical");
const cases = limit > 0 ? all.slice(0, limit) : all;

const quantile = (xs: number[], q: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))] ?? NaN;

for (const model of models) {
  const generator = new LocalSqlGenerator({ model, examples: store.list(), notes: store.notes() });
  const load = loadavg()[0] ?? 0;
  try {
    await generator.model();
    const results = await runEvaluation(cases, {
      generator, checker: createChecker(), openSource: () => openDuckdbSource(db, "canonical"),
      onResult: (r) => console.log(`${r.id}\t${r.status}\t${r.seconds ?? "-"} s\t${r.tries ?? "-"} tries\t${(r.sql ?? "").replace(/\s+/g, " ")}`),
    });
    // The first question also loads the model and profiles the catalog; it is timed apart.
    const seconds = results.slice(1).map((r) => r.seconds ?? NaN);
    const matches = results.filter((r) => r.status === "match").length;
    console.log(`${model}: EX ${matches}/${results.length} = ${((100 * matches) / results.length).toFixed(1)}%, ` +
      `median ${quantile(seconds, 0.5).toFixed(1)} s, p90 ${quantile(seconds, 0.9).toFixed(1)} s, first question ${results[0]?.seconds ?? "-"} s, ` +
      `threads ${defaultThreads()}, load average ${load.toFixed(1)} → ${(loadavg()[0] ?? 0).toFixed(1)}`);
  } finally {
    await generator.close();
  }
}
