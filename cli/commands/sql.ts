import { jsonCell, textRows, textTable, columnSqlType } from "../../core/format.js";
import { UsageError } from "../../core/errors.js";
import { explainSql } from "../../explain/index.js";
import { createSession } from "../../kernel/compose.js";
import { runSimilar, similarityRequest } from "../../session/similar.js";
import { flagOption, parseArgs, stringOption, intOption } from "../../magics/options.js";
import { EXIT, formatOption, type CommandIO } from "../io.js";
import type { Table } from "apache-arrow";
import type { Verdict } from "../../core/verdict.js";

const OPTIONS = {
  db: { type: "string", help: "a folder of Parquet/CSV files, a .duckdb file, or :memory:", metavar: "PATH" },
  engine: { type: "string", help: "duckdb (default) or spark", metavar: "NAME" },
  url: { type: "string", help: "Spark Thrift URL for --engine spark, e.g. thrift://127.0.0.1:10000", metavar: "URL" },
  format: { type: "string", help: "json or table (default)", metavar: "FORMAT" },
  limit: { type: "int", help: "rows to fetch (default 1000000)", metavar: "N" },
  explain: { type: "flag", help: "add what the query does in plain words (\"explanation\")" },
  "similar-to": { type: "string", help: "rank the rows by similarity to this text (the local embedding model)", metavar: "TEXT" },
  on: { type: "string", help: "text columns compared with --similar-to, comma-separated, e.g. title,abstract", metavar: "COLUMNS" },
  top: { type: "int", help: "rows kept after ranking (default 20)", metavar: "N" },
  help: { type: "flag", help: "show this help" },
} as const;

export const USAGE = `usage: streamlink sql --db PATH [--engine duckdb|spark] [--url URL] [--format json|table] [--limit N] [--explain]
                      [--similar-to TEXT --on COLUMNS [--top N]] "SQL"
Checks the query (syntax and security) and runs it. JSON output:
  {"columns":[{"name","type"}],"rows":[[...]],"rowCount":N,"elapsedMs":N,"truncated":bool,"verdict":{...}}
  with --explain also "explanation": what the query does, in plain words, from its parse tree.
With --similar-to the rows are ranked by similarity to TEXT on the --on columns (a local embedding model; inside
the engine when \`streamlink data embed\` precomputed them): the --top N most similar, best first, a "similarity"
column last, and "similarity":{"text","on","top","model","modelSha256","rankedIn"} in the JSON.
Exit codes: 0 ok, 1 failure, 2 bad usage, 3 blocked by a checker (the verdict goes to stderr).`;

/** The result as the CLI's JSON: SQL types, plain JSON values. */
export function resultJson(table: Table): { columns: { name: string; type: string }[]; rows: unknown[][] } {
  const fields = table.schema.fields;
  const vectors = fields.map((_f, c) => table.getChildAt(c));
  const rows: unknown[][] = [];
  for (let r = 0; r < table.numRows; r++) rows.push(fields.map((f, c) => jsonCell(vectors[c]?.get(r), f.type)));
  return { columns: fields.map((f, c) => ({ name: f.name, type: columnSqlType(table, c) })), rows };
}

export async function run(argv: string[], io: CommandIO): Promise<number> {
  const args = parseArgs("streamlink sql", argv, OPTIONS);
  if (args.options.get("help")) {
    io.stdout.write(`${USAGE}\n`);
    return EXIT.ok;
  }
  const format = formatOption(args);
  const sql = args.positionals.join(" ").trim();
  if (sql === "") throw new UsageError("No SQL given", 'Example: streamlink sql --db data/patents "SELECT count(*) FROM patents"');
  const session = createSession();
  try {
    await connectFromArgs(session, stringOption(args, "engine") ?? "duckdb", stringOption(args, "db"), stringOption(args, "url"));
    const similarity = similarityRequest(stringOption(args, "similar-to"), stringOption(args, "on"), intOption(args, "top"));
    const options = { maxRows: intOption(args, "limit") };
    const reportBlocked = (verdict: Verdict): void => {
      if (verdict.verdict === "block") io.stderr.write(`${JSON.stringify(verdict)}\n`);
    };
    const run = similarity ? await runSimilar(session, sql, similarity, options, reportBlocked) : await session.run(sql, options, reportBlocked);
    const { table, elapsedMs, truncated } = run.result;
    const explanation = flagOption(args, "explain") ? await explainSql(sql, run.engine.dialect) : undefined;
    const ranking = "similarity" in run ? { similarity: run.similarity } : {};
    if (format === "json") {
      io.stdout.write(`${JSON.stringify({ ...resultJson(table), rowCount: table.numRows, elapsedMs: Math.round(elapsedMs * 1000) / 1000, truncated, verdict: run.verdict, ...ranking, ...(explanation ? { explanation: explanation.sentence } : {}) })}\n`);
    } else {
      if (explanation) io.stdout.write(`-- ${explanation.sentence}\n`);
      const header = table.schema.fields.map((f, c) => `${f.name} (${columnSqlType(table, c)})`);
      io.stdout.write(`${textTable(header, textRows(table, table.numRows))}\n${table.numRows} row(s), ${elapsedMs.toFixed(1)} ms${truncated ? " (truncated: raise --limit)" : ""}\n`);
    }
    return EXIT.ok;
  } finally {
    await session.close();
  }
}

/** `--engine duckdb --db PATH` or `--engine spark --url URL`: the one connection a CLI run uses. */
export async function connectFromArgs(session: ReturnType<typeof createSession>, engine: string, db: string | undefined, url: string | undefined): Promise<void> {
  const target = engine === "spark" ? url : db;
  if (!target) {
    throw new UsageError(engine === "spark" ? "--engine spark needs --url thrift://HOST:PORT" : "No data given", engine === "spark" ? "Start a cluster with `streamlink spark start`, then pass the URL it prints." : "Pass --db PATH (a folder of Parquet/CSV files, a .duckdb file, or :memory:).");
  }
  await session.connect({ kind: engine, target, name: engine });
}

