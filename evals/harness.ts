import type { Catalog } from "../core/catalog.js";
import type { Engine } from "../core/engine.js";
import { BlockedQueryError, asError } from "../core/errors.js";
import type { SqlGenerator } from "../core/llm.js";
import type { CheckContext, QueryChecker } from "../core/verdict.js";
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
  /** Rows a result may hold before it counts as cut (and so as wrong); gold results here are far smaller. */
  readonly maxRows?: number;
  /** Limit for each query the model's SQL runs, on the engine. */
  readonly queryTimeoutMs?: number;
  /** No new question is asked once this many ms have passed since the start; the answered ones are kept. */
  readonly budgetMs?: number;
  readonly onResult?: (result: CaseResult) => void;
}

const DEFAULT_MAX_ROWS = 100_000;
const DEFAULT_TIMEOUT_MS = 30_000;
/** Rows a value-linking probe may return to the generator. */
const PROBE_ROWS = 200;

interface OpenSource {
  readonly source: EvalSource;
  readonly catalog: Catalog;
}

/** Runs a predicted query and counts a cut result as wrong rather than comparing a prefix. */
async function runPredicted(engine: Engine, sql: string, maxRows: number, timeoutMs: number): Promise<ResultRows> {
  const result = await engine.execute(sql, { maxRows, timeoutMs });
  if (result.truncated) throw new Error(`the result has more than ${maxRows} rows`);
  return tableRows(result.table);
}

/**
 * Asks the generator each question on its source's engine, checks and runs the SQL it returns, and compares the
 * rows with the gold rows (execution accuracy). Sources open on first use and all close at the end; a failure
 * on one question is recorded on that question and the run goes on. With a budget, the run may end early: the
 * results then cover a prefix of `cases`.
 */
export async function runEvaluation(cases: readonly EvalCase[], options: HarnessOptions): Promise<CaseResult[]> {
  const maxRows = options.maxRows ?? DEFAULT_MAX_ROWS;
  const timeoutMs = options.queryTimeoutMs ?? DEFAULT_TIMEOUT_MS;
  const open = new Map<string, OpenSource>();
  const results: CaseResult[] = [];
  const started = performance.now();
  try {
    for (const item of cases) {
      if (options.budgetMs !== undefined && performance.now() - started >= options.budgetMs) break;
      let entry = open.get(item.source);
      if (!entry) {
        const source = await options.openSource(item.source);
        entry = { source, catalog: await source.engine.catalog() };
        open.set(item.source, entry);
      }
      const result = await evaluateCase(item, entry, options, maxRows, timeoutMs);
      results.push(result);
      options.onResult?.(result);
    }
  } finally {
    for (const { source } of open.values()) await source.close();
  }
  return results;
}

async function evaluateCase(item: EvalCase, { source, catalog }: OpenSource, options: HarnessOptions, maxRows: number, timeoutMs: number): Promise<CaseResult> {
  const base = { id: item.id, source: item.source, question: item.question, goldSql: item.goldSql };
  let gold: GoldResult;
  try {
    gold = await source.gold(item.goldSql);
  } catch (error) {
    return { ...base, status: "gold-error", reason: asError(error).message };
  }
  const withGold = { ...base, goldEngine: gold.engine, goldRules: gold.rules, goldRows: gold.rows.length };
  const { engine } = source;
  const context: CheckContext = { dialect: engine.dialect, catalog, engineParse: (sql) => engine.parse(sql), author: "model" };

  const started = performance.now();
  const seconds = (): number => Math.round(performance.now() - started) / 1000;
  let sql: string;
  let tries: number;
  let timings: Readonly<Record<string, number>>;
  try {
    const generation = await options.generator.generate({
      question: item.question,
      dialect: engine.dialect,
      catalog,
      sampleValues: async (probe) => {
        const verdict = await options.checker.check(probe, context);
        if (verdict.verdict === "block") {
          throw new BlockedQueryError("The checker blocked a value probe.", "Probes must be read-only queries on the catalog's tables.", { findings: verdict.findings });
        }
        return tableRows((await engine.execute(verdict.executedSql, { maxRows: PROBE_ROWS, timeoutMs })).table).rows;
      },
      tryQuery: async (candidate) => {
        const verdict = await options.checker.check(candidate, context);
        if (verdict.verdict === "block") return { verdict };
        try {
          await engine.execute(verdict.executedSql, { maxRows: 1, timeoutMs });
          return { verdict };
        } catch (error) {
          return { verdict, error: asError(error).message };
        }
      },
    });
    sql = generation.sql;
    tries = generation.provenance.tries;
    timings = generation.provenance.timings;
  } catch (error) {
    return { ...withGold, status: "error", reason: `generation failed: ${asError(error).message}`, seconds: seconds() };
  }

  // The generator's own verdict is not trusted: the final SQL is checked again here before it runs.
  const verdict = await options.checker.check(sql, context);
  if (verdict.verdict === "block") {
    const reason = verdict.findings.filter((f) => f.severity === "error").map((f) => `${f.rule}: ${f.message}`).join("; ");
    return { ...withGold, sql, tries, timings, status: "blocked", reason, seconds: seconds() };
  }
  let predicted: ResultRows;
  try {
    predicted = await runPredicted(engine, verdict.executedSql, maxRows, timeoutMs);
  } catch (error) {
    return { ...withGold, sql, tries, timings, status: "error", reason: asError(error).message.split("\n")[0], seconds: seconds() };
  }
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
