import type { Dialect } from "./engine.js";

/**
 * What was wrong with a query, as data: the checker's findings and each engine's errors become these, the repairs
 * read them, and the text a model reads is rendered from them in one place (`models/prompts/problems.md`).
 * `message` keeps the original wording for people; no code reads meaning out of it.
 */
export type ProblemKind =
  /** A table the connection does not have. */
  | "unknown-table"
  /** A qualifier (`p.` in `p.kind`) that names no table or alias of the query. */
  | "unknown-qualifier"
  /** A column that the named table (`qualifier`) or no table of the query has. */
  | "unknown-column"
  /** A bare column that two tables of the query have; `candidates` are the qualified names the engine offers. */
  | "ambiguous-column"
  /** A column selected beside an aggregate but not grouped by. */
  | "not-grouped"
  /** A date or time column compared with text that is not a date (`value`, e.g. '2009'). */
  | "date-format"
  /** The query does not parse. */
  | "syntax"
  /** The security checker refused it. */
  | "blocked"
  /** The query ran past its time limit (`limitMs`) and the engine stopped it. */
  | "too-expensive"
  /** A join that compares a column with itself: every row pairs with every row. */
  | "self-join"
  /** Anything else the engine said. */
  | "engine";

export interface ProblemPosition {
  readonly line: number;
  readonly column: number;
}

export interface Problem {
  readonly kind: ProblemKind;
  /** Who found it. */
  readonly origin: "checker" | "engine" | "pipeline";
  readonly dialect: Dialect;
  /** The checker's rule id, when the checker found it. */
  readonly rule?: string;
  readonly table?: string;
  readonly column?: string;
  readonly qualifier?: string;
  /** A near name the checker or engine proposes. */
  readonly suggestion?: string;
  /** Qualified names the engine offers for an ambiguous column (`T1.id`). */
  readonly candidates?: readonly string[];
  /** The literal at fault (the '2009' of a date comparison). */
  readonly value?: string;
  readonly limitMs?: number;
  /** For a self-join: the condition, the two tables it pairs, and the references that would join them. */
  readonly join?: JoinAdvice;
  readonly position?: ProblemPosition;
  /** The original wording (checker message with its hint, or the engine's first line), for people. */
  readonly message: string;
}

export interface JoinAdvice {
  /** The condition as the query wrote it. */
  readonly condition: string;
  readonly partner: string;
  readonly joined: string;
  /** The shortest chain of references from `partner` to `joined`, when there is one. */
  readonly path?: { readonly tables: readonly string[]; readonly conditions: readonly string[] };
}
