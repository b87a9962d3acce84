import path from "node:path";
import { UsageError } from "../../core/errors.js";
import { parseArgs, intOption, stringOption, usageOf } from "../../magics/options.js";
import { loadQuestionFile, openDuckdbSource } from "../../evals/questions.js";
import { seededSample } from "../../evals/sample.js";
import { EXIT, type CommandIO } from "../io.js";
import { EVAL_OPTIONS, optionLines, runEvalCommand } from "./eval-common.js";

const OPTIONS = {
  db: { type: "string", help: "a folder of Parquet/CSV files or a .duckdb file", metavar: "PATH" },
  file: { type: "string", help: "JSON lines {id, question, sql} with gold DuckDB SQL", metavar: "FILE.jsonl" },
  ...EVAL_OPTIONS,
} as const;

export const USAGE = `${usageOf("usage: streamlink eval questions", OPTIONS)}
Execution accuracy of the model on a question file: each question is asked, the SQL checked and run on DuckDB over
--db, and its rows compared with those of the line's gold sql. Example:
  streamlink eval questions --db ../shared/data/patents/canonical --file ../shared/data/patents/questions-dev.jsonl
${optionLines(OPTIONS)}`;

export async function run(argv: string[], io: CommandIO): Promise<number> {
  const args = parseArgs("streamlink eval questions", argv, OPTIONS);
  if (args.options.get("help")) {
    io.stdout.write(`${USAGE}\n`);
    return EXIT.ok;
  }
  if (args.positionals.length > 0) throw new UsageError(`Unexpected argument '${args.positionals[0]}'`, USAGE);
  const db = stringOption(args, "db");
  const file = stringOption(args, "file");
  if (!db || !file) throw new UsageError("eval questions needs --db and --file", "Example: streamlink eval questions --db ../shared/data/patents/canonical --file ../shared/data/patents/questions-dev.jsonl");
  const name = path.basename(path.resolve(db));
  const all = await loadQuestionFile(file, name);
  const seed = intOption(args, "seed") ?? 1;
  const limit = intOption(args, "limit");
  const cases = seededSample(all, limit, seed);
  return runEvalCommand(args, io, cases, () => openDuckdbSource(db, name), {
    dataset: path.basename(file),
    sample: limit === undefined ? `all ${all.length}` : `${cases.length} of ${all.length} (seed ${seed})`,
  });
}
