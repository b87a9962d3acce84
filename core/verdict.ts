import type { Catalog } from "./catalog.js";
import type { Dialect, EngineParseResult } from "./engine.js";

export type Severity = "error" | "warning" | "info";

export interface Finding {
  /** Stable rule id, e.g. `syntax.parse`, `catalog.unknown-table`, `security.write`, `security.file-access`. */
  readonly rule: string;
  readonly severity: Severity;
  readonly message: string;
  readonly line?: number;
  readonly column?: number;
  readonly hint?: string;
  /** The names the finding is about, as data for repairs (the message is for people). */
  readonly subject?: FindingSubject;
}

export interface FindingSubject {
  readonly table?: string;
  readonly column?: string;
  /** The alias or table the query wrote before the column (`t1` in `t1.name`). */
  readonly qualifier?: string;
  /** The near name of "Did you mean …". */
  readonly suggestion?: string;
}

export type VerdictKind = "allow" | "block";
export type VerdictCategory = "ok" | "syntax" | "security";

/**
 * The checkers' decision on one query. Shown in the cell (text and `VERDICT_MIME`), stored in the
 * cell's metadata, attached to the result, and printed by `streamlink check`.
 */
export interface Verdict {
  readonly verdict: VerdictKind;
  readonly category: VerdictCategory;
  readonly findings: readonly Finding[];
  /** The checker's name and version, e.g. `streamlink-checker/1.0.0`. */
  readonly checker: string;
  /** The SQL that was checked. */
  readonly sql: string;
  /** The SQL that runs when allowed (e.g. with a row cap added); equals `sql` when unchanged. */
  readonly executedSql: string;
  readonly dialect: Dialect;
  readonly elapsedMs: number;
}

export const VERDICT_MIME = "application/vnd.streamlink.verdict+json";

export interface CheckContext {
  readonly dialect: Dialect;
  /** Absent: no catalog is known (the CLI without `--db`), so only syntax and security are judged. */
  readonly catalog?: Catalog;
  /** Tables the connection allows; defaults to every table of the catalog. */
  readonly allowedTables?: readonly string[];
  /** The engine's own parser, when there is an engine. */
  readonly engineParse?: (sql: string) => Promise<EngineParseResult>;
  /** Rows a query may return before a LIMIT is added. */
  readonly rowCap?: number;
}

/** Syntax and security together: every query passes here before any engine sees it. */
export interface QueryChecker {
  readonly version: string;
  check(sql: string, context: CheckContext): Promise<Verdict>;
}

/**
 * What a `%%sql`/`%%ask` cell publishes under `VERDICT_MIME` (and the JupyterLab extension copies into the
 * cell's metadata under `streamlink`): enough for a reviewer to see what was checked without a kernel.
 */
export interface VerdictBundle {
  readonly verdict: Verdict;
  readonly magic: "sql" | "ask";
  /** The whole cell source as run; the extension marks the badge stale when the cell no longer matches. */
  readonly cellSource: string;
  readonly question?: string;
  readonly provenance?: import("./llm.js").Provenance;
  /** ISO time the cell ran. */
  readonly ranAt: string;
}
