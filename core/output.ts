import type { Table } from "apache-arrow";
import type { PartialResult, QueryProgress } from "./engine.js";
import type { QueryExplanation } from "./explain.js";
import type { VerdictBundle } from "./verdict.js";

/** A chart the user asked for; the kernel renders it with plotly.js. */
export interface ChartSpec {
  readonly kind: "bar" | "line" | "scatter" | "hist";
  readonly x: string;
  readonly y?: string;
  readonly title?: string;
}

/** A query result as magics hand it to the display layer. */
export interface ResultView {
  readonly kind: "result";
  readonly table: Table;
  readonly truncated: boolean;
  readonly maxRows: number;
  readonly elapsedMs: number;
  readonly engine: string;
  readonly variable?: string;
  readonly chart?: ChartSpec;
}

/**
 * What a magic shows, in order. The kernel turns each into a Jupyter MIME bundle; the CLI prints them as text
 * or JSON. Magics never build MIME bundles themselves.
 */
export type View =
  | ResultView
  | { readonly kind: "verdict"; readonly bundle: VerdictBundle }
  | { readonly kind: "sql"; readonly title: string; readonly sql: string }
  | { readonly kind: "text"; readonly text: string }
  | { readonly kind: "markdown"; readonly markdown: string }
  | { readonly kind: "progress"; readonly progress: QueryProgress }
  /** The first rows of a query that still runs: shown in place, and replaced by the result when it comes. */
  | { readonly kind: "partial"; readonly partial: PartialResult }
  /** "What this query does", under the SQL (every %%ask answer, %%sql --explain). */
  | { readonly kind: "explanation"; readonly explanation: QueryExplanation }
  /** Something the user should read before trusting the result (an empty answer and its likely reasons). */
  | { readonly kind: "note"; readonly title: string; readonly lines: readonly string[] }
  | { readonly kind: "records"; readonly title: string; readonly columns: readonly string[]; readonly rows: readonly (readonly unknown[])[] };
