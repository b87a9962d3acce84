import { readFileSync } from "node:fs";
import { UsageError, asError } from "../../core/errors.js";
import { createSession, modelLoader } from "../../kernel/compose.js";
import { flagOption, intOption, parseArgs, stringOption } from "../../magics/options.js";
import type { SqlGenerator } from "../../core/llm.js";
import { ExampleStore, LocalSqlGenerator, embeddingRanker, examplesFileFor, type LocalGeneratorOptions } from "../../models/index.js";
import { askQuestion, describeStage, type AskRequest } from "../../session/ask.js";
import { agreementText, type Agreement } from "../../core/agreement.js";
import { askByAgreement, candidateCount, DEFAULT_CANDIDATES, type AgreedAnswer } from "../../session/candidates.js";
import { EXIT, formatOption, type CommandIO } from "../io.js";
import { connectFromArgs, resultJson } from "./sql.js";

const OPTIONS = {
  db: { type: "string", help: "a folder of Parquet/CSV files, a .duckdb file, or :memory:", metavar: "PATH" },
  engine: { type: "string", help: "duckdb (default) or spark", metavar: "NAME" },
  url: { type: "string", help: "Spark Thrift URL for --engine spark", metavar: "URL" },
  model: { type: "string", help: "bundled model name or path of a local .gguf (default: the registry's default)", metavar: "NAME|PATH" },
  lora: { type: "string", help: "a LoRA adapter loaded with the model: a registered name or a GGUF adapter file; provenance names it", metavar: "NAME|FILE" },
  examples: { type: "string", help: "saved question→SQL pairs and notes (default: streamlink-examples.json of the current folder, else ~/.streamlink/)", metavar: "FILE" },
  questions: { type: "string", help: "batch: a JSONL file of {\"id\",\"question\"} lines", metavar: "FILE.jsonl" },
  format: { type: "string", help: "json or table (default)", metavar: "FORMAT" },
  limit: { type: "int", help: "rows to fetch (default 1000000)", metavar: "N" },
  timeout: { type: "int", help: "seconds each generated query may run before it counts as too expensive (default 30; 0 = none)", metavar: "S" },
  candidates: { type: "int", help: "answer N times (greedy, then sampled) and keep the result most agree on; adds \"agreement\" (default 1)", metavar: "N" },
  "no-grammar": { type: "flag", help: "decode without the catalog grammar" },
  help: { type: "flag", help: "show this help" },
} as const;

export const USAGE = `usage: streamlink ask --db PATH [--engine duckdb|spark] [--url URL] [--model NAME|PATH] [--lora NAME|FILE] [--examples FILE]
                     [--format json|table] [--limit N] [--timeout S] [--candidates N] [--no-grammar] "QUESTION"
       streamlink ask --db PATH --questions FILE.jsonl [--model NAME|PATH] [--examples FILE] [--timeout S]
A local model writes SQL for the question; the SQL is checked (syntax, security) and run like \`streamlink sql\`,
each try stopped after --timeout seconds (the model is then told the query is too expensive). The table format
prints the stages (writing SQL, checking, running try 2 of 3) on stderr.
JSON output: {"question","sql","explanation","verdict","columns","rows","rowCount","timings":{...},"provenance":{...}}
  "explanation" says in plain words what the SQL does. A request to change data or read files is refused before
  any model is asked: "sql" is null, "verdict" is {"verdict":"block","category":"policy",...} with the reason, no rows.
  --candidates N (N > 1) asks N candidates, runs each, and answers with the result most of them return; JSON then adds
  "agreement": {"confidence","candidates","unsure","runnerUp"}, and the table format says when it is unsure.
Batch output: one JSON line per question: {"id","sql","verdict","error","ms","tries"} ("category":"policy" when refused)
Exit codes: 0 ok, 1 failure, 2 bad usage, 3 blocked by a checker.`;

/** How the command gets its generator: the local model by default; a test may pass a scripted one. */
export type GeneratorFactory = (options: LocalGeneratorOptions) => SqlGenerator;

export async function run(argv: string[], io: CommandIO, openGenerator: GeneratorFactory = (options) => new LocalSqlGenerator(options)): Promise<number> {
  const args = parseArgs("streamlink ask", argv, OPTIONS);
  if (flagOption(args, "help")) {
    io.stdout.write(`${USAGE}\n`);
    return EXIT.ok;
  }
  const format = formatOption(args);
  const batch = stringOption(args, "questions");
  const question = args.positionals.join(" ").trim();
  if (batch === undefined && question === "") throw new UsageError("No question given", 'Example: streamlink ask --db data/patents "how many patents per country?"');
  if (batch !== undefined && question !== "") throw new UsageError("Give either a question or --questions FILE, not both", "Drop one of them.");
  const items = batch === undefined ? [] : readQuestions(batch);
  const examplesFile = stringOption(args, "examples");
  const store = new ExampleStore(examplesFile ?? examplesFileFor(process.cwd()));
  const examples = store.list();
  const notes = store.notes();

  const session = createSession();
  const generator = openGenerator({
    model: stringOption(args, "model"), lora: stringOption(args, "lora"), constrained: !flagOption(args, "no-grammar"),
    rankExamples: embeddingRanker(() => session.embedder()), load: modelLoader("interactive"),
  });
  try {
    await connectFromArgs(session, stringOption(args, "engine") ?? "duckdb", stringOption(args, "db"), stringOption(args, "url"));
    const timeout = intOption(args, "timeout");
    const options: Omit<AskRequest, "question"> = {
      maxRows: intOption(args, "limit"), examples, notes,
      ...(timeout !== undefined ? { timeoutMs: timeout * 1000 } : {}),
    };
    if (batch !== undefined) {
      for (const item of items) {
        const started = performance.now();
        try {
          const answer = await askQuestion(session, generator, { ...options, question: item.question });
          if (answer.kind === "refused") {
            io.stdout.write(`${JSON.stringify({ id: item.id, sql: null, verdict: "block", category: "policy", error: answer.verdict.findings[0]?.message ?? null, ms: Math.round(performance.now() - started), tries: 0 })}\n`);
            continue;
          }
          io.stdout.write(`${JSON.stringify({ id: item.id, sql: answer.sql, verdict: answer.verdict.verdict, error: answer.error?.message ?? null, ms: Math.round(performance.now() - started), tries: answer.tries })}\n`);
        } catch (thrown) {
          io.stdout.write(`${JSON.stringify({ id: item.id, sql: null, verdict: null, error: asError(thrown).message, ms: Math.round(performance.now() - started) })}\n`);
        }
      }
      return EXIT.ok;
    }
    const request: AskRequest = {
      ...options,
      question,
      ...(format === "json" ? {} : { onStage: (stage) => { if (stage.kind !== "writing" || stage.text === "") io.stderr.write(`… ${describeStage(stage)}\n`); } }),
    };
    const candidates = candidateCount(intOption(args, "candidates") ?? 1, "--candidates");
    const answer = candidates > 1
      ? await askByAgreement(session, generator, request, { ...DEFAULT_CANDIDATES, count: candidates })
      : await askQuestion(session, generator, request);
    if (answer.kind === "refused") {
      const refused = answer.verdict;
      if (format === "json") io.stdout.write(`${JSON.stringify({ question, sql: null, explanation: null, verdict: refused, columns: [], rows: [], rowCount: 0 })}\n`);
      else io.stdout.write(`-- ${question}\n-- refused (policy): ${refused.findings[0]?.message ?? ""}\n`);
      io.stderr.write(`${JSON.stringify(refused)}\n`);
      return EXIT.blocked;
    }
    const agreement = "agreement" in answer ? (answer as AgreedAnswer).agreement : undefined;
    const { verdict, provenance, run, error, explanation } = answer;
    const result = run ? resultJson(run.result.table) : { columns: [], rows: [] };
    if (format === "json") {
      io.stdout.write(`${JSON.stringify({ question, sql: answer.sql, explanation: explanation.sentence, verdict, ...result, rowCount: result.rows.length, timings: provenance.timings, provenance, ...(agreement ? { agreement } : {}), ...(error ? { error: error.message } : {}) })}\n`);
    } else {
      io.stdout.write(`-- ${question}\n${answer.sql};\n-- ${explanation.sentence}\n-- verdict: ${verdict.verdict}; model ${provenance.model}; ${provenance.tries} tries${answer.chosenTry < answer.tries ? ` (try ${answer.chosenTry} kept)` : ""}; ${provenance.timings["totalMs"]} ms\n`);
      if (agreement) io.stdout.write(`${agreementLine(agreement)}\n`);
      if (run) io.stdout.write(`${[result.columns.map((c) => c.name).join("\t"), ...result.rows.map((r) => r.map((v) => String(v)).join("\t"))].join("\n")}\n`);
    }
    if (verdict.verdict === "block") {
      io.stderr.write(`${JSON.stringify(verdict)}\n`);
      return EXIT.blocked;
    }
    if (error) {
      io.stderr.write(`error: ${error.message}\n`);
      return EXIT.failure;
    }
    return EXIT.ok;
  } finally {
    await session.close();
    await generator.close();
  }
}

/** The candidates' vote as a comment line under the SQL. */
function agreementLine(agreement: Agreement): string {
  const { summary, runnerUp } = agreementText(agreement);
  return `-- ${summary}${runnerUp === undefined ? "" : `; I also considered: ${runnerUp};`}`;
}

interface QuestionLine {
  readonly id: string;
  readonly question: string;
}

function readQuestions(file: string): QuestionLine[] {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new UsageError(`Cannot read ${file}: ${asError(error).message}`, "Give a JSONL file with one {\"id\",\"question\"} object per line.");
  }
  return text.split("\n").filter((l) => l.trim() !== "").map((line, i) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      throw new UsageError(`${file} line ${i + 1} is not JSON`, "Each line must be an object like {\"id\":\"q1\",\"question\":\"…\"}.");
    }
    const { id, question } = parsed as { id?: unknown; question?: unknown };
    if (typeof question !== "string") throw new UsageError(`${file} line ${i + 1} has no "question"`, "Each line needs a \"question\" string.");
    return { id: typeof id === "string" || typeof id === "number" ? String(id) : String(i + 1), question };
  });
}
