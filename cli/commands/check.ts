import { createInterface } from "node:readline";
import type { Dialect } from "../../core/engine.js";
import { UsageError } from "../../core/errors.js";
import type { Verdict } from "../../core/verdict.js";
import { createChecker } from "../../checks/index.js";
import { createSession } from "../../kernel/compose.js";
import { parseArgs, stringOption, usageOf } from "../../magics/options.js";
import { EXIT, type CommandIO } from "../io.js";
import { connectFromArgs } from "./sql.js";

const OPTIONS = {
  dialect: { type: "string", help: "duckdb (default) or spark", metavar: "NAME" },
  db: { type: "string", help: "a DuckDB target (folder of Parquet/CSV, .duckdb file) whose catalog and parser the checks use", metavar: "PATH" },
  help: { type: "flag", help: "show this help" },
} as const;

export const USAGE = `${usageOf("usage: streamlink check", OPTIONS)}
Reads JSON lines {"id": …, "sql": "…"} on stdin and writes one JSON line per input:
  {"id": …, "verdict": "allow"|"block", "category": "ok"|"syntax"|"policy"|"injection", "rule"?: …, "findings": [{rule, severity, message, line?, column?, hint?}]}
"policy": well formed but not allowed in a read-only notebook; "injection": an attack shape; "rule": the rule that decided a block.
Without --db there is no catalog: only syntax and security are judged. Nothing is executed.
A line that is not such JSON gets {"line": N, "error": …, "hint": …}; the exit code is then 1.`;

/** One input line, or why it is not one. */
function readLine(text: string, lineNo: number): { id: unknown; sql: string } | { error: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { error: `line ${lineNo} is not JSON` };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return { error: `line ${lineNo} is not a JSON object` };
  const record = value as Record<string, unknown>;
  if (typeof record["sql"] !== "string") return { error: `line ${lineNo} has no "sql" string` };
  return { id: record["id"] ?? null, sql: record["sql"] };
}

export async function run(argv: string[], io: CommandIO): Promise<number> {
  const args = parseArgs("streamlink check", argv, OPTIONS);
  if (args.options.get("help")) {
    io.stdout.write(`${USAGE}\n`);
    return EXIT.ok;
  }
  if (args.positionals.length > 0) throw new UsageError(`Unexpected argument '${args.positionals[0]}'`, USAGE);
  const dialectName = stringOption(args, "dialect") ?? "duckdb";
  if (dialectName !== "duckdb" && dialectName !== "spark") throw new UsageError(`Unknown --dialect '${dialectName}'`, "Use --dialect duckdb or --dialect spark.");
  const dialect: Dialect = dialectName;
  const db = stringOption(args, "db");
  if (db !== undefined && dialect !== "duckdb") throw new UsageError("--db opens a DuckDB catalog", "Use --db with --dialect duckdb, or leave --db out to check Spark SQL without a catalog.");

  const session = db !== undefined ? createSession() : undefined;
  try {
    let check: (sql: string) => Promise<Verdict>;
    if (session && db !== undefined) {
      await connectFromArgs(session, "duckdb", db, undefined);
      const engine = await session.engine();
      check = (sql) => session.check(sql, engine);
    } else {
      const checker = createChecker();
      check = (sql) => checker.check(sql, { dialect });
    }
    let bad = 0;
    let lineNo = 0;
    for await (const text of createInterface({ input: io.stdin, crlfDelay: Infinity })) {
      lineNo++;
      if (text.trim() === "") continue;
      const input = readLine(text, lineNo);
      if ("error" in input) {
        bad++;
        io.stdout.write(`${JSON.stringify({ line: lineNo, error: input.error, hint: 'Each line must be a JSON object like {"id": 1, "sql": "SELECT 1"}.' })}\n`);
        continue;
      }
      const verdict = await check(input.sql);
      io.stdout.write(`${JSON.stringify({ id: input.id, verdict: verdict.verdict, category: verdict.category, rule: verdict.rule, findings: verdict.findings })}\n`);
    }
    return bad > 0 ? EXIT.failure : EXIT.ok;
  } finally {
    await session?.close();
  }
}
