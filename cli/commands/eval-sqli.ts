import { readFile, writeFile } from "node:fs/promises";
import { UsageError } from "../../core/errors.js";
import { createChecker } from "../../checks/index.js";
import { createSession } from "../../kernel/compose.js";
import { evaluateSqli, rates, readLabelledCsv, type Confusion, type LabelledQuery } from "../../checks/evaluate.js";
import { splitHeldOut } from "../../evals/sample.js";
import { intOption, parseArgs, stringOption, usageOf } from "../../magics/options.js";
import { EXIT, type CommandIO } from "../io.js";
import { connectFromArgs } from "./sql.js";

const OPTIONS = {
  file: { type: "string", help: "CSV with columns Query,Label (1 = malicious)", metavar: "CSV" },
  dialect: { type: "string", help: "duckdb (default) or spark", metavar: "NAME" },
  author: { type: "string", help: "person (default: typed SQL, a weak signal warns) or model (a weak signal blocks)", metavar: "WHO" },
  part: { type: "string", help: "all (default), dev or held-out: a seeded, label-stratified 70/30 split", metavar: "PART" },
  seed: { type: "int", help: "seed of the split (default 14)", metavar: "N" },
  misses: { type: "string", help: "write the misjudged rows (JSON lines) to FILE", metavar: "FILE" },
  format: { type: "string", help: "text (default) or json", metavar: "FORMAT" },
  help: { type: "flag", help: "show this help" },
} as const;

/** Share of each label that `--part held-out` keeps back. */
const HELD_OUT_FRACTION = 0.3;

export const USAGE = `${usageOf("usage: streamlink eval sqli", OPTIONS)}
Checks every query of the CSV without a catalog and scores the verdicts with the paper's formulas:
precision TP/(TP+FP), recall TP/(TP+FN), escape FN/(TP+FN), misintercept FP/(TN+FP). Two readings:
"injection" counts a query as predicted malicious when it is blocked with category "injection"; "every refusal"
also counts category "policy" (a well-formed write, DDL or several statements: refused in a read-only notebook,
but labelled normal by the data). Tune rules on --part dev and report --part held-out with the same --seed.
JSON: {confusion, injectionOnly, precision, recall, escape, misintercept (injection reading), everyRefusalRates,
total, seconds, checksPerSecond, cpuSeconds, categories, falsePositives, falseNegatives (counts)}.`;

const pct = (x: number): string => `${(x * 100).toFixed(2)}%`;

function line(name: string, c: Confusion): string {
  const r = rates(c);
  return `${name.padEnd(34)} precision ${pct(r.precision)}  recall ${pct(r.recall)}  escape ${pct(r.escape)}  misintercept ${pct(r.misintercept)}  (TP ${c.tp}, FP ${c.fp}, TN ${c.tn}, FN ${c.fn})`;
}

function choosePart(data: readonly LabelledQuery[], part: string, seed: number): readonly LabelledQuery[] {
  if (part === "all") return data;
  const split = splitHeldOut(data, HELD_OUT_FRACTION, seed, (d) => (d.malicious ? "1" : "0"));
  if (part === "dev") return split.dev;
  if (part === "held-out") return split.heldOut;
  throw new UsageError(`Unknown --part '${part}'`, "Use --part all, dev or held-out.");
}

export async function run(argv: string[], io: CommandIO): Promise<number> {
  const args = parseArgs("streamlink eval sqli", argv, OPTIONS);
  if (args.options.get("help")) {
    io.stdout.write(`${USAGE}\n`);
    return EXIT.ok;
  }
  const file = stringOption(args, "file");
  if (!file) throw new UsageError("No --file given", "Example: streamlink eval sqli --file ../shared/data/sqli/kaggle-train.csv");
  const dialect = stringOption(args, "dialect") ?? "duckdb";
  if (dialect !== "duckdb" && dialect !== "spark") throw new UsageError(`Unknown --dialect '${dialect}'`, "Use --dialect duckdb or --dialect spark.");
  const author = stringOption(args, "author") ?? "person";
  if (author !== "person" && author !== "model") throw new UsageError(`Unknown --author '${author}'`, "Use --author person or --author model.");
  const format = stringOption(args, "format") ?? "text";
  if (format !== "text" && format !== "json") throw new UsageError(`Unknown --format '${format}'`, "Use --format text or --format json.");
  const part = stringOption(args, "part") ?? "all";
  const seed = intOption(args, "seed") ?? 14;
  const text = await readFile(file, "utf8").catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(`Cannot read ${file}: ${error.code ?? error.message}`, "Pass the path of a CSV file with a Query,Label header.");
  });
  const data = choosePart(readLabelledCsv(text), part, seed);
  if (data.length === 0) throw new UsageError(`${file} has no rows`, "The CSV needs a Query,Label header and at least one row.");
  // An in-memory DuckDB lends its parser, as a DuckDB connection does in a notebook (no catalog: nothing to
  // name); it reads the batch's SELECTs in one call per thousand.
  const session = dialect === "duckdb" ? createSession() : undefined;
  const cpu = process.cpuUsage();
  let result: Awaited<ReturnType<typeof evaluateSqli>>;
  try {
    if (session) await connectFromArgs(session, "duckdb", ":memory:", undefined);
    const engine = session ? await session.engine() : undefined;
    result = await evaluateSqli(createChecker(), data, {
      dialect,
      author,
      engineParse: engine ? (sql) => engine.parse(sql) : undefined,
      engineParseMany: engine?.parseMany ? (sqls) => engine.parseMany?.(sqls) ?? Promise.resolve([]) : undefined,
    });
  } finally {
    await session?.close();
  }
  const used = process.cpuUsage(cpu);
  const cpuSeconds = (used.user + used.system) / 1e6;
  const misses = stringOption(args, "misses");
  if (misses) {
    const rows = [...result.falsePositives.map((m) => ({ kind: "fp", ...m })), ...result.falseNegatives.map((m) => ({ kind: "fn", ...m }))];
    await writeFile(misses, rows.map((r) => JSON.stringify(r)).join("\n") + (rows.length ? "\n" : ""));
  }
  const malicious = data.filter((d) => d.malicious).length;
  if (format === "json") {
    const { falsePositives, falseNegatives, ...summary } = result;
    io.stdout.write(`${JSON.stringify({ ...summary, everyRefusalRates: rates(result.confusion), cpuSeconds, falsePositives: falsePositives.length, falseNegatives: falseNegatives.length })}\n`);
    return EXIT.ok;
  }
  io.stdout.write(
    [
      `${file}${part === "all" ? "" : ` (${part} part, seed ${seed})`}: ${result.total} queries (${malicious} malicious, ${result.total - malicious} normal), dialect ${dialect}, author ${author}, no catalog`,
      line("injection", result.injectionOnly),
      line("every refusal (policy too)", result.confusion),
      `verdicts: ${Object.entries(result.categories).map(([k, n]) => `${k} ${n}`).join(", ")}`,
      `${result.checksPerSecond.toFixed(0)} checks/s wall, ${(result.total / cpuSeconds).toFixed(0)} per CPU-second (${result.seconds.toFixed(2)} s, one process, each query checked once)`,
    ].join("\n") + "\n",
  );
  return EXIT.ok;
}
