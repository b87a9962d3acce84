import path from "node:path";
import { UsageError } from "../../core/errors.js";
import { parseArgs, intOption, stringOption, usageOf } from "../../magics/options.js";
import { groupBySource, seededSample } from "../../evals/sample.js";
import { loadSpiderDev } from "../../evals/spider/dataset.js";
import { openSpiderSource } from "../../evals/spider/source.js";
import { EXIT, type CommandIO } from "../io.js";
import { EVAL_OPTIONS, optionLines, runEvalCommand } from "./eval-common.js";

const OPTIONS = {
  data: { type: "string", help: "Spider's folder with dev.json and database/ (default ../shared/data/spider)", metavar: "DIR" },
  cache: { type: "string", help: "where the SQLite databases are converted to Parquet (default .cache/spider)", metavar: "DIR" },
  ...EVAL_OPTIONS,
} as const;

export const USAGE = `${usageOf("usage: streamlink eval spider", OPTIONS)}
Execution accuracy of the model on Spider's dev questions whose database is present: each question is asked,
the SQL checked and run on DuckDB, and its rows compared with the gold query's (as a multiset; in order only when
the gold SQL orders). With --limit, a fixed sample drawn with --seed (default 1), asked database by database.
Prints one line per question and a summary; --format json prints JSON lines and {"summary": …} last.
${optionLines(OPTIONS)}`;

export async function run(argv: string[], io: CommandIO): Promise<number> {
  const args = parseArgs("streamlink eval spider", argv, OPTIONS);
  if (args.options.get("help")) {
    io.stdout.write(`${USAGE}\n`);
    return EXIT.ok;
  }
  if (args.positionals.length > 0) throw new UsageError(`Unexpected argument '${args.positionals[0]}'`, USAGE);
  const data = path.resolve(stringOption(args, "data") ?? "../shared/data/spider");
  const cache = path.resolve(stringOption(args, "cache") ?? ".cache/spider");
  const dev = await loadSpiderDev(data);
  const seed = intOption(args, "seed") ?? 1;
  const limit = intOption(args, "limit");
  const cases = groupBySource(seededSample(dev.cases, limit, seed));
  const missing = [...dev.missing].map(([db, n]) => `${db} (${n})`).join(", ");
  return runEvalCommand(args, io, cases, (db) => openSpiderSource(data, cache, db), {
    dataset: "spider-dev",
    runnable: `${dev.cases.length} of ${dev.total}${missing ? `; no database: ${missing}` : ""}`,
    sample: limit === undefined ? "all runnable" : `${cases.length} (seed ${seed})`,
  });
}
