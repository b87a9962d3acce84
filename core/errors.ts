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
  constructor(message: string, hint: string, data: Record<string, unknown> = {}, options?: ErrorOptions) {
    super("query", message, hint, data, options);
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

/** Normalise anything thrown into an Error so that no caller ever handles a non-Error. */
export function asError(thrown: unknown): Error {
  if (thrown instanceof Error) return thrown;
  return new Error(typeof thrown === "string" ? thrown : JSON.stringify(thrown));
}
