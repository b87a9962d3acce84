import type { Table } from "apache-arrow";
import type { Agreement } from "./agreement.js";
import type { PartialResult, QueryProgress } from "./engine.js";
import type { QueryExplanation } from "./explain.js";
import type { QueryPlan } from "./plan.js";
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
  /** The result's id for `%page` and the SQL as written: the viewer pages, sorts and downloads through them. */
  readonly page?: { readonly id: string; readonly sql: string };
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
  /** How an %%ask answer's candidates voted: its confidence, and the runner-up when unsure. */
  | { readonly kind: "agreement"; readonly agreement: Agreement }
  /** "What this query does", under the SQL (every %%ask answer, %%sql --explain). */
  | { readonly kind: "explanation"; readonly explanation: QueryExplanation }
  /** Rows of a remembered result from `offset`, as the result viewer asked for them (`%page`). */
  | { readonly kind: "page"; readonly id: string; readonly offset: number; readonly total: number; readonly table: Table }
  /** A whole result as a file to download: CSV text (`%page ID --csv`) or Parquet bytes (`%page ID --parquet`). */
  | { readonly kind: "download"; readonly mime: "text/csv"; readonly text: string }
  | { readonly kind: "download"; readonly mime: typeof PARQUET_MIME; readonly bytes: Uint8Array }
  /** The engine's plan with its estimates, for a query that was checked and not run (`%%sql --explain`). */
  | { readonly kind: "plan"; readonly plan: QueryPlan }
  /** Something the user should read before trusting the result (an empty answer and its likely reasons). */
  | { readonly kind: "note"; readonly title: string; readonly lines: readonly string[] }
  | { readonly kind: "records"; readonly title: string; readonly columns: readonly string[]; readonly rows: readonly (readonly unknown[])[] };

/**
 * A result table as JupyterLab's extension renders it (an HTML table with typed headers). The same output's
 * text/html is a text table in `<pre>`, which survives a sanitized HTML export that escapes table markup.
 */
export const TABLE_MIME = "application/vnd.streamlink.table+json";

export interface TableOutput {
  readonly columns: readonly { readonly name: string; readonly type: string }[];
  /** The rows shown, as display text (NULL written out). */
  readonly rows: readonly (readonly string[])[];
  /** Size, time, truncation and variable, one line. */
  readonly footer: string;
  /**
   * Present when the kernel can page the result: its id for `%page`, the SQL as written, and its rows in all when
   * the result was not cut at max_rows (else the first page counts them).
   */
  readonly page?: { readonly id: string; readonly sql: string; readonly total?: number };
}

/** One page of a result (`%page ID OFFSET LIMIT`), rows as display text like TableOutput's. */
export const PAGE_MIME = "application/vnd.streamlink.page+json";

/** A Parquet file in a display bundle: its bytes in base64, as Jupyter carries binary data. */
export const PARQUET_MIME = "application/vnd.apache.parquet";

export interface PageOutput {
  readonly id: string;
  readonly offset: number;
  readonly total: number;
  readonly rows: readonly (readonly string[])[];
}
