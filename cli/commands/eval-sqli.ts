import { readFile } from "node:fs/promises";
import { UsageError } from "../../core/errors.js";
import { createChecker } from "../../checks/index.js";
import { evaluateSqli, rates, readLabelledCsv, type Confusion } from "../../checks/evaluate.js";
import { parseArgs, stringOption, usageOf } from "../../magics/options.js";
import { EXIT, type CommandIO } from "../io.js";

const OPTIONS = {
  file: { type: "string", help: "CSV with columns Query,Label (1 = malicious)", metavar: "CSV" },
  dialect: { type: "string", help: "duckdb (default) or spark", metavar: "NAME" },
  format: { type: "string", help: "text (default) or json", metavar: "FORMAT" },
  help: { type: "flag", help: "show this help" },
} as const;

export const USAGE = `${usageOf("usage: streamlink eval sqli", OPTIONS)}
Checks every query of the CSV without a catalog and scores the verdicts with the paper's formulas:
precision TP/(TP+FP), recall TP/(TP+FN), escape FN/(TP+FN), misintercept FP/(TN+FP), where a query is
predicted malicious when it is blocked with category "security". A second line counts the queries refused
only by the read-only policy (writes, DDL, several statements) as not malicious, as the data's labels do.`;

const pct = (x: number): string => `${(x * 100).toFixed(2)}%`;

function line(name: string, c: Confusion): string {
  const r = rates(c);
  return `${name.padEnd(34)} precision ${pct(r.precision)}  recall ${pct(r.recall)}  escape ${pct(r.escape)}  misintercept ${pct(r.misintercept)}  (TP ${c.tp}, FP ${c.fp}, TN ${c.tn}, FN ${c.fn})`;
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
  const format = stringOption(args, "format") ?? "text";
  if (format !== "text" && format !== "json") throw new UsageError(`Unknown --format '${format}'`, "Use --format text or --format json.");
  const text = await readFile(file, "utf8").catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(`Cannot read ${file}: ${error.code ?? error.message}`, "Pass the path of a CSV file with a Query,Label header.");
  });
  const data = readLabelledCsv(text);
  if (data.length === 0) throw new UsageError(`${file} has no rows`, "The CSV needs a Query,Label header and at least one row.");
  const result = await evaluateSqli(createChecker(), data, dialect);
  const malicious = data.filter((d) => d.malicious).length;
  if (format === "json") {
    const { falsePositives, falseNegatives, ...summary } = result;
    io.stdout.write(`${JSON.stringify({ ...summary, injectionOnlyRates: rates(result.injectionOnly), falsePositives: falsePositives.length, falseNegatives: falseNegatives.length })}\n`);
    return EXIT.ok;
  }
  io.stdout.write(
    [
      `${file}: ${result.total} queries (${malicious} malicious, ${result.total - malicious} normal), dialect ${dialect}, no catalog`,
      line("every security block", result.confusion),
      line("injection (policy refusals apart)", result.injectionOnly),
      `verdicts: ${Object.entries(result.categories).map(([k, n]) => `${k} ${n}`).join(", ")}`,
      `${result.checksPerSecond.toFixed(0)} checks/s (${result.seconds.toFixed(2)} s, one process, each query checked once)`,
    ].join("\n") + "\n",
  );
  return EXIT.ok;
}
