import type { Table } from "apache-arrow";
import { BlockedQueryError, asError } from "../core/errors.js";
import type { Generation, GenerationRequest, ModelWait, SavedExample, SqlGenerator } from "../core/llm.js";
import type { Verdict } from "../core/verdict.js";
import { explainSql } from "../explain/index.js";
import { refusedRequest } from "../intent/index.js";
import { blockedError, type CheckedRun, type Session } from "../session/session.js";
import type { Magic, MagicContext, MagicInvocation } from "./magic.js";
import { checkVariableName, flagOption, stringOption, type OptionSpecs } from "./options.js";
import { readExamples } from "./remember.js";
import { cellArguments, showResult } from "./run-checked.js";

/** Rows a value-linking probe may bring back to the generator. */
const PROBE_ROWS = 200;

export interface AskOptions {
  readonly engine?: string;
  readonly maxRows?: number;
  /** Check each candidate but run none (`--sql-only`): repairs then use the checker's findings only. */
  readonly sqlOnly?: boolean;
  readonly examples?: readonly SavedExample[];
  readonly notes?: readonly string[];
  readonly onWait?: GenerationRequest["onWait"];
}

/** A question's outcome: the final SQL with its verdict and provenance, and its run or the error it met. */
export interface AskOutcome {
  readonly generation: Generation;
  readonly run?: CheckedRun;
  readonly error?: Error;
}

/**
 * The `%%ask` pipeline, shared with `streamlink ask`: the generator writes SQL, and every candidate (and every
 * value probe) goes through the session, so through the same checker as `%%sql`, before an engine sees it.
 */
export async function askQuestion(session: Session, generator: SqlGenerator, question: string, options: AskOptions = {}): Promise<AskOutcome> {
  const engine = await session.engine(options.engine);
  const catalog = await session.catalog(engine);
  let run: CheckedRun | undefined;
  let error: Error | undefined;
  const generation = await generator.generate({
    question,
    dialect: engine.dialect,
    catalog,
    examples: options.examples,
    notes: options.notes,
    onWait: options.onWait,
    sampleValues: async (sql) => rowsOf((await session.run(sql, { engine: engine.name, maxRows: PROBE_ROWS, author: "model" })).result.table),
    tryQuery: async (sql) => {
      run = undefined;
      error = undefined;
      if (options.sqlOnly) return { verdict: await session.check(sql, engine, "model") };
      let verdict: Verdict | undefined;
      try {
        run = await session.run(sql, { engine: engine.name, maxRows: options.maxRows, author: "model" }, (v) => { verdict = v; });
        return { verdict: run.verdict };
      } catch (thrown) {
        error = asError(thrown);
        if (error instanceof BlockedQueryError || verdict === undefined) return { verdict: verdict ?? (await session.check(sql, engine, "model")) };
        return { verdict, error: error.message };
      }
    },
  });
  return { generation, run, error };
}

function rowsOf(table: Table): unknown[][] {
  const columns = table.schema.fields.map((_f, c) => table.getChildAt(c));
  const rows: unknown[][] = [];
  for (let r = 0; r < table.numRows; r++) rows.push(columns.map((v) => v?.get(r)));
  return rows;
}

const OPTIONS: OptionSpecs = {
  engine: { type: "string", help: "connection to ask (see %tables)", metavar: "NAME" },
  "sql-only": { type: "flag", help: "show the checked SQL without running it" },
  out: { type: "string", help: "variable that receives the Arrow table", metavar: "VAR" },
};

/** `%%ask`: the cell body is a question; a local model writes the SQL, which is checked and run like `%%sql`. */
export const askMagic: Magic = {
  name: "ask",
  kind: "cell",
  summary: "Ask a question in plain language: a local model writes checked SQL, then it runs as %%sql",
  options: OPTIONS,
  async run(invocation: MagicInvocation, context: MagicContext): Promise<void> {
    const { args, body: question } = cellArguments(invocation, "%%ask", OPTIONS, "question");
    const out = stringOption(args, "out");
    if (out !== undefined) checkVariableName(out);
    const sqlOnly = flagOption(args, "sql-only");
    context.display({ kind: "markdown", markdown: `**Question:** ${question.replace(/\s+/g, " ")}` });
    // A request to change data or read files is refused as such: no model is asked, nothing runs.
    const refused = refusedRequest(question, (await context.session.engine(stringOption(args, "engine"))).dialect);
    if (refused) {
      context.display({ kind: "verdict", bundle: { verdict: refused, magic: "ask", cellSource: invocation.cellSource, question, ranAt: new Date().toISOString() } });
      throw blockedError(refused);
    }
    const generator = await context.session.generator();
    const { generation, run, error } = await askQuestion(context.session, generator, question, {
      engine: stringOption(args, "engine"),
      sqlOnly,
      // With a shared model service, one note in the cell follows the question through the queue.
      onWait: (wait) => context.display({ kind: "progress", progress: { message: waitMessage(wait) } }),
      ...readExamples(context.cwd),
    });
    const { provenance } = generation;
    context.display({ kind: "sql", title: `Generated SQL (${provenance.model}, ${provenance.tries} ${provenance.tries === 1 ? "try" : "tries"})`, sql: generation.sql });
    const explanation = await explainSql(generation.sql, generation.verdict.dialect);
    context.display({ kind: "explanation", explanation });
    context.display({
      kind: "verdict",
      bundle: { verdict: generation.verdict, magic: "ask", cellSource: invocation.cellSource, question, provenance, explanation, ranAt: new Date().toISOString() },
    });
    if (generation.verdict.verdict === "block") throw blockedError(generation.verdict);
    if (error) throw error;
    if (sqlOnly || !run) return;
    await showResult(context, run, out);
  },
};

/** The note a question shows while it waits for a shared model service: "queued, 6 ahead, about 40 s", then running. */
export function waitMessage(wait: ModelWait): string {
  if (wait.state === "running") return "The model is writing the SQL…";
  const seconds = Math.max(1, Math.round(wait.etaMs / 1000));
  return `queued, ${wait.ahead} ahead, about ${seconds} s`;
}
