import type { ScanEstimate } from "./plan.js";
import type { Problem } from "./problem.js";

/**
 * Every failure a user can cause or meet is a StreamLinkError: it carries a stable code, the data that
 * explains it, and a one-line hint of what to do. The kernel turns it into a Jupyter `error` message and
 * the CLI into a non-zero exit with the hint on stderr.
 */
export class StreamLinkError extends Error {
  readonly code: string;
  readonly hint: string;
  readonly data: Readonly<Record<string, unknown>>;

  constructor(code: string, message: string, hint: string, data: Record<string, unknown> = {}, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.hint = hint;
    this.data = data;
  }
}

/** A magic or CLI invocation that does not match its usage. */
export class UsageError extends StreamLinkError {
  constructor(message: string, hint: string, data: Record<string, unknown> = {}) {
    super("usage", message, hint, data);
  }
}

/** The engine refused or failed the query (its own message is kept in `data.engineMessage`). */
export class QueryError extends StreamLinkError {
  /** What the engine's message means, mapped by the engine's own error mapper (engines/<kind>/errors.ts). */
  readonly problem: Problem | undefined;

  constructor(message: string, hint: string, data: Record<string, unknown> = {}, options?: ErrorOptions & { readonly problem?: Problem }) {
    super("query", message, hint, data, options);
    this.problem = options?.problem;
  }
}

/** The engine cannot be reached or started (missing path, Spark down, closed connection). */
export class EngineUnavailableError extends StreamLinkError {
  constructor(message: string, hint: string, data: Record<string, unknown> = {}, options?: ErrorOptions) {
    super("engine-unavailable", message, hint, data, options);
  }
}

/** The query ran past its time limit or the user interrupted it; the engine was told to stop. */
export class QueryCancelledError extends StreamLinkError {
  constructor(reason: "interrupt" | "timeout", data: Record<string, unknown> = {}) {
    super(
      reason === "interrupt" ? "interrupted" : "timeout",
      reason === "interrupt" ? "Query interrupted; the engine stopped it." : "Query ran past its time limit and was stopped.",
      reason === "interrupt"
        ? "Nothing was changed. Add a LIMIT or a filter and run the cell again."
        : "Raise the limit with `%config timeout_s=N`, or narrow the query with a filter or LIMIT.",
      data,
    );
  }
}

/** A result grew past what the kernel's memory can hold; it was dropped and the query stopped. */
export class ResultTooLargeError extends StreamLinkError {
  constructor(rows: number, data: Record<string, unknown> = {}) {
    super(
      "result-too-large",
      `The result would not fit in the kernel's memory: stopped after ${rows.toLocaleString("en-US")} rows, and nothing was kept.`,
      "Aggregate or filter in SQL, select fewer columns, or lower %config max_rows.",
      { rows, ...data },
    );
  }
}

/** A query that the checkers blocked; it never reached an engine. */
export class BlockedQueryError extends StreamLinkError {
  constructor(message: string, hint: string, data: Record<string, unknown> = {}) {
    super("blocked", message, hint, data);
  }
}

/** The engine estimates the query reads more rows than `%config confirm_rows`; it was planned, not run. */
export class ConfirmScanError extends StreamLinkError {
  constructor(estimate: ScanEstimate, limit: number, data: Record<string, unknown> = {}) {
    const rows = estimate.rows.toLocaleString("en-US");
    const what = estimate.basis === "plan" ? `The engine estimates this query reads about ${rows} rows` : `The tables this query reads hold ${rows} rows (the catalog's counts)`;
    super(
      "confirm-scan",
      `${what}, more than confirm_rows (${limit.toLocaleString("en-US")}); nothing ran.`,
      "Add --yes to the magic line to run it anyway, narrow it with a filter, or raise %config confirm_rows=N (0 = never ask).",
      { scanRows: estimate.rows, basis: estimate.basis, limit, ...data },
    );
  }
}

/** Normalise anything thrown into an Error so that no caller ever handles a non-Error. */
export function asError(thrown: unknown): Error {
  if (thrown instanceof Error) return thrown;
  return new Error(typeof thrown === "string" ? thrown : JSON.stringify(thrown));
}

/** The stop button ended a `%%ask` while it was at `stage` (writing SQL, running a try); nothing was changed. */
export class AskStoppedError extends StreamLinkError {
  constructor(stage: string) {
    super("interrupted", `Stopped while ${stage}.`, "Nothing was changed. Run the cell again, or ask a narrower question.", { stage });
  }
}

/** Every try the model wrote ran past the time limit for generated queries and was stopped on the engine. */
export class TooExpensiveError extends StreamLinkError {
  constructor(limitMs: number, tries: number) {
    super(
      "too-expensive",
      `The generated query was too expensive: it ran longer than ${Math.round(limitMs / 1000)} s and was stopped (${tries} ${tries === 1 ? "try" : "tries"}).`,
      "Ask a narrower question (a company, a year, a keyword), or raise the limit with `%config ask_timeout_s=N`.",
      { limitMs, tries },
    );
  }
}
