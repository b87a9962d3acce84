import type { Engine } from "../core/engine.js";
import { asError } from "../core/errors.js";
import type { SqlGenerator } from "../core/llm.js";
import type { QueryChecker } from "../core/verdict.js";
import { askQuestion } from "../session/ask.js";
import { Session } from "../session/session.js";
import { compareResults, isOrdered, tableRows, type ResultRows } from "./compare.js";

/** One question with its gold SQL, asked against the named source. */
export interface EvalCase {
  readonly id: string;
  /** The database the question is about (a Spider db_id, or the one data folder of a question file). */
  readonly source: string;
  readonly question: string;
  readonly goldSql: string;
}

/** The gold answer and how it was obtained. */
export interface GoldResult extends ResultRows {
  /** `duckdb` when the (translated) gold SQL ran on the same engine as the model's query. */
  readonly engine: string;
  /** The SQL that produced the rows (after translation, when there was one). */
  readonly sql: string;
  /** Translation rules applied to the gold SQL, if any. */
  readonly rules: readonly string[];
}

/** A database the harness asks questions of: the engine the model's SQL runs on, and how to get gold rows. */
export interface EvalSource {
  readonly engine: Engine;
  gold(sql: string): Promise<GoldResult>;
  close(): Promise<void>;
}

export type CaseStatus = "match" | "mismatch" | "blocked" | "error" | "gold-error";

/** One JSON line per question. */
export interface CaseResult {
  readonly id: string;
  readonly source: string;
  readonly question: string;
  readonly goldSql: string;
  readonly goldEngine?: string;
  readonly goldRules?: readonly string[];
  readonly sql?: string;
  readonly status: CaseStatus;
  /** Why it is not a match: the comparison's reason, the engine's error, or the checker's findings. */
  readonly reason?: string;
  /** Generation plus running the final query: what a user waits for, in seconds. */
  readonly seconds?: number;
  readonly tries?: number;
  /** The generator's own breakdown (model load, profiling, decoding…), in ms, to show where the time goes. */
  readonly timings?: Readonly<Record<string, number>>;
  readonly goldRows?: number;
  readonly predictedRows?: number;
}

export interface HarnessOptions {
  readonly generator: SqlGenerator;
  /** Every query the model writes passes here before the engine sees it, as in `%%ask`. */
  readonly checker: QueryChecker;
  readonly openSource: (name: string) => Promise<EvalSource>;
  /** Rows a result may hold before it counts as cut (and so as wrong); `%config max_rows`'s default when absent. */
  readonly maxRows?: number;
  /** Limit for each query the model's SQL runs, on the engine; `%config ask_timeout_s`'s default when absent. */
  readonly queryTimeoutMs?: number;
  /** No new question is asked once this many ms have passed since the start; the answered ones are kept. */
  readonly budgetMs?: number;
  readonly onResult?: (result: CaseResult) => void;
}

/** A source's engine in a session of its own, so that questions take the pipeline users get (`session/ask.ts`). */
interface OpenSource {
  readonly source: EvalSource;
  readonly session: Session;
}

async function openSession(source: EvalSource, options: HarnessOptions): Promise<Session> {
  const { engine } = source;
  const session = new Session({ checker: options.checker, connectors: [{ kind: "eval", dialect: engine.dialect, connect: async () => engine }] });
  if (options.maxRows !== undefined) session.config.max_rows = options.maxRows;
  if (options.queryTimeoutMs !== undefined) session.config.ask_timeout_s = options.queryTimeoutMs / 1000;
  await session.connect({ kind: "eval", target: engine.target, name: engine.name });
  return session;
}

/**
 * Asks the generator each question on its source's engine, checks and runs the SQL it returns, and compares the
 * rows with the gold rows (execution accuracy). Sources open on first use and all close at the end; a failure
 * on one question is recorded on that question and the run goes on. With a budget, the run may end early: the
 * results then cover a prefix of `cases`.
 */
export async function runEvaluation(cases: readonly EvalCase[], options: HarnessOptions): Promise<CaseResult[]> {
  const open = new Map<string, OpenSource>();
  const results: CaseResult[] = [];
  const started = performance.now();
  try {
    for (const item of cases) {
      if (options.budgetMs !== undefined && performance.now() - started >= options.budgetMs) break;
      let entry = open.get(item.source);
      if (!entry) {
        const source = await options.openSource(item.source);
        entry = { source, session: await openSession(source, options) };
        open.set(item.source, entry);
      }
      const result = await evaluateCase(item, entry, options);
      results.push(result);
      options.onResult?.(result);
    }
  } finally {
    for (const { source } of open.values()) await source.close();
  }
  return results;
}

async function evaluateCase(item: EvalCase, { source, session }: OpenSource, options: HarnessOptions): Promise<CaseResult> {
  const base = { id: item.id, source: item.source, question: item.question, goldSql: item.goldSql };
  let gold: GoldResult;
  try {
    gold = await source.gold(item.goldSql);
  } catch (error) {
    return { ...base, status: "gold-error", reason: asError(error).message };
  }
  const withGold = { ...base, goldEngine: gold.engine, goldRules: gold.rules, goldRows: gold.rows.length };

  const started = performance.now();
  const seconds = (): number => Math.round(performance.now() - started) / 1000;
  let answer;
  try {
    answer = await askQuestion(session, options.generator, { question: item.question });
  } catch (error) {
    return { ...withGold, status: "error", reason: `generation failed: ${asError(error).message}`, seconds: seconds() };
  }
  if (answer.kind === "refused") {
    return { ...withGold, status: "blocked", reason: answer.verdict.findings.map((f) => `${f.rule}: ${f.message}`).join("; "), seconds: seconds() };
  }
  const { sql, tries, provenance: { timings }, run } = answer;
  if (answer.verdict.verdict === "block") {
    const reason = answer.verdict.findings.filter((f) => f.severity === "error").map((f) => `${f.rule}: ${f.message}`).join("; ");
    return { ...withGold, sql, tries, timings, status: "blocked", reason, seconds: seconds() };
  }
  if (!run) {
    return { ...withGold, sql, tries, timings, status: "error", reason: (answer.error?.message ?? "the query did not run").split("\n")[0], seconds: seconds() };
  }
  // A cut result counts as wrong rather than comparing a prefix.
  if (run.result.truncated) {
    return { ...withGold, sql, tries, timings, status: "error", reason: `the result has more than ${run.maxRows} rows`, seconds: seconds() };
  }
  const predicted = tableRows(run.result.table);
  const comparison = compareResults(gold, predicted, isOrdered(gold.sql));
  return {
    ...withGold,
    sql,
    tries,
    timings,
    status: comparison.match ? "match" : "mismatch",
    ...(comparison.reason ? { reason: comparison.reason } : {}),
    seconds: seconds(),
    predictedRows: predicted.rows.length,
  };
}
