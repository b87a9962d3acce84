import { UsageError } from "../core/errors.js";
import type { QueryExplanation } from "../core/explain.js";
import type { Provenance } from "../core/llm.js";
import type { SimilarityProvenance, SimilarityRequest } from "../core/embedder.js";
import type { ChartSpec } from "../core/output.js";
import type { Verdict, VerdictBundle } from "../core/verdict.js";
import { emptyResultNote, type RowProbe } from "../explain/index.js";
import type { CheckedRun, RunOptions } from "../session/session.js";
import { runSimilar, similarityRequest } from "../session/similar.js";
import type { MagicContext, MagicInvocation } from "./magic.js";
import { intOption, parseArgs, stringOption, type OptionSpecs, type ParsedArgs } from "./options.js";

/** The type the kernel declares for result variables, so `top.numRows` type-checks in the next cell. */
export const ARROW_TABLE_TYPE = 'import("apache-arrow").Table';

export interface CheckedRunRequest {
  readonly sql: string;
  readonly magic: VerdictBundle["magic"];
  readonly cellSource: string;
  readonly engine?: string;
  readonly maxRows?: number;
  readonly question?: string;
  readonly provenance?: Provenance;
  readonly explanation?: QueryExplanation;
  /** Rank the rows by similarity to a text (`--similar-to`). */
  readonly similarity?: SimilarityRequest;
  /** Refuse a scan the engine estimates above `%config confirm_rows` (a `%%sql` cell without `--yes`). */
  readonly confirmLargeScan?: boolean;
}

/**
 * A query still running after this long shows its first rows, refreshed as often; quicker queries show only their
 * result (most cells), so a table does not flash up twice.
 */
const PARTIAL_EVERY_MS = 500;

/** The semantic filter's options, the same on `%%sql` and `%%ask`. */
export const SIMILARITY_OPTIONS: OptionSpecs = {
  "similar-to": { type: "string", help: "rank the rows by similarity to this text (quote it)", metavar: "TEXT" },
  on: { type: "string", help: "text columns to compare with --similar-to, comma-separated", metavar: "COLUMNS" },
  top: { type: "int", help: "rows to keep after ranking (default 20)", metavar: "N" },
};

export function similarityOption(args: ParsedArgs): SimilarityRequest | undefined {
  return similarityRequest(stringOption(args, "similar-to"), stringOption(args, "on"), intOption(args, "top"));
}

/**
 * Check and run through the session, showing the verdict (with its bundle) before any result or error; with
 * `similarity`, the rows come back ranked.
 */
export function runChecked(context: MagicContext, request: CheckedRunRequest): Promise<CheckedRun> {
  const options: RunOptions = {
    engine: request.engine,
    maxRows: request.maxRows,
    confirmLargeScan: request.confirmLargeScan,
    onProgress: (progress) => context.display({ kind: "progress", progress }),
    partial: { rows: context.session.config.display_rows, everyMs: PARTIAL_EVERY_MS, onRows: (partial) => context.display({ kind: "partial", partial }) },
  };
  const show = (verdict: Verdict, similarity?: SimilarityProvenance): void =>
    context.display({ kind: "verdict", bundle: verdictBundle(request, verdict, similarity) });
  if (request.similarity) return runSimilar(context.session, request.sql, request.similarity, options, show);
  return context.session.run(request.sql, options, show);
}

export function verdictBundle(request: Omit<CheckedRunRequest, "sql">, verdict: Verdict, similarity?: SimilarityProvenance): VerdictBundle {
  return {
    verdict,
    magic: request.magic,
    cellSource: request.cellSource,
    question: request.question,
    provenance: request.provenance,
    ...(request.explanation ? { explanation: request.explanation } : {}),
    ...(similarity ? { similarity } : {}),
    ranAt: new Date().toISOString(),
  };
}

/**
 * The first line of a cell magic holds options only and the body must not be empty; returns the options and
 * the trimmed body. `what` names the body in messages ("query", "question").
 */
export function cellArguments(invocation: MagicInvocation, command: string, options: OptionSpecs, what: string): { args: ParsedArgs; body: string } {
  const args = parseArgs(command, invocation.tokens, options);
  if (args.positionals.length > 0) {
    throw new UsageError(`Unexpected '${args.positionals.join(" ")}' after ${command}`, `Write the ${what} on the lines below ${command}; options go on the first line.`);
  }
  const body = invocation.body.trim();
  if (body === "") throw new UsageError(`${command} has no ${what}`, `Write the ${what} on the lines below ${command}.`);
  return { args, body };
}

/**
 * A run's table becomes `out` (when given) and `_` in the TypeScript scope, then is shown. A `pageable` result (its
 * rows are what its SQL returns, not a re-ranking) is remembered so the viewer can page, sort and download it.
 */
export async function showResult(context: MagicContext, run: CheckedRun, out: string | undefined, chart?: ChartSpec, pageable = false): Promise<void> {
  const table = run.result.table;
  if (out !== undefined) await context.assign(out, table, ARROW_TABLE_TYPE);
  await context.assign("_", table, ARROW_TABLE_TYPE);
  context.display({
    kind: "result",
    table,
    truncated: run.result.truncated,
    maxRows: run.maxRows,
    elapsedMs: run.result.elapsedMs,
    engine: run.engine.name,
    variable: out,
    chart,
    ...(pageable ? { page: { id: context.session.pages.register(run.verdict.sql, run.engine.name, table.numCols), sql: run.verdict.sql } } : {}),
  });
  if (table.numRows === 0) await showEmptyNote(context, run);
}

/**
 * The time the empty-result probes may take in all; each reads one row, but a value no row has means a full
 * scan, so on very large tables they are stopped and the note gives the general reason.
 */
const NOTE_BUDGET_MS = 5000;

/** An empty answer gets a visible note with its likely reasons, probed through the checked session. */
async function showEmptyNote(context: MagicContext, run: CheckedRun): Promise<void> {
  const probe: RowProbe = async (sql) => (await context.session.run(sql, { engine: run.engine.name, maxRows: 1 })).result.table.numRows > 0;
  const budget = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const overBudget = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => {
      budget.abort();
      void context.session.cancel();
      resolve(undefined);
    }, NOTE_BUDGET_MS);
  });
  const note = await Promise.race([emptyResultNote(run.verdict.sql, run.engine.dialect, probe, budget.signal), overBudget]).finally(() => clearTimeout(timer));
  context.display({
    kind: "note",
    title: "No rows. The query ran and nothing matched; “allowed” does not mean the answer is right. Likely reasons:",
    lines: note?.reasons ?? ["The checks of the filters took too long on this data; try each filter on its own."],
  });
}
