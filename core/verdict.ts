import type { Catalog, TableInfo } from "./catalog.js";
import type { Dialect, EngineParseResult } from "./engine.js";
import type { QueryExplanation } from "./explain.js";

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
/**
 * Why a query was refused: `syntax` (it does not parse or names what the connection lacks), `policy` (well formed,
 * but not allowed in a read-only notebook: writes, DDL, settings, several statements, files, system catalogs; also a
 * natural-language request to change data or read files, refused before any SQL is written) or
 * `injection` (an attack shape: a tautology, a comment cutting the host query, a UNION probe, a stacked write, a
 * time or error probe, a payload fragment). Both `policy` and `injection` block.
 */
export type VerdictCategory = "ok" | "syntax" | "policy" | "injection";

/** Who wrote the SQL: a weak injection signal warns on SQL a person typed and blocks SQL a model wrote. */
export type SqlAuthor = "person" | "model";

/**
 * The checkers' decision on one query. Shown in the cell (text and `VERDICT_MIME`), stored in the
 * cell's metadata, attached to the result, and printed by `streamlink check`.
 */
export interface Verdict {
  readonly verdict: VerdictKind;
  readonly category: VerdictCategory;
  /** The rule of the finding that decided a block (`security.write`, `injection.tautology`, …); absent when allowed. */
  readonly rule?: string;
  readonly findings: readonly Finding[];
  /** The checker's name and version, e.g. `streamlink-checker/1.0.0`. */
  readonly checker: string;
  /** The SQL that was checked. */
  readonly sql: string;
  /** The SQL that runs when allowed (e.g. with a row cap added); equals `sql` when unchanged. */
  readonly executedSql: string;
  readonly dialect: Dialect;
  readonly elapsedMs: number;
  /**
   * The connection's tables the query reads (CTEs, subqueries and joins included), as the catalog names them; absent
   * when the checker had no catalog or no tree. The semantic filter ranks with the embeddings of these tables.
   */
  readonly tables?: readonly string[];
}

export interface RunOutcome {
  readonly status: "failed" | "empty";
  /** For a failed run, the error as the user saw it. */
  readonly message?: string;
}

/** Shown with every "allowed" (cell output, badge, details): what the verdict claims and what it does not. */
export const ALLOWED_MEANS =
  "“Allowed” means the checker found this query safe to run (it only reads this connection's tables); it does not mean the answer is right. Read what the query does and look at the rows.";

export const VERDICT_MIME = "application/vnd.streamlink.verdict+json";

export interface CheckContext {
  readonly dialect: Dialect;
  /** Absent: no catalog is known (the CLI without `--db`), so only syntax and security are judged. */
  readonly catalog?: Catalog;
  /** Tables the connection allows; defaults to every table of the catalog. */
  readonly allowedTables?: readonly string[];
  /** The engine's own parser, when there is an engine. */
  readonly engineParse?: (sql: string) => Promise<EngineParseResult>;
  /** The same for many texts in one call, where the engine can (DuckDB); used by `checkMany`. */
  readonly engineParseMany?: (sqls: readonly string[]) => Promise<readonly EngineParseResult[]>;
  /** Rows a query may return before a LIMIT is added. */
  readonly rowCap?: number;
  /** Defaults to `person`. */
  readonly author?: SqlAuthor;
}

/** Syntax and security together: every query passes here before any engine sees it. */
export interface QueryChecker {
  readonly version: string;
  check(sql: string, context: CheckContext): Promise<Verdict>;
  /**
   * Verdicts for many texts (evaluations, `streamlink check` on a file): with `engineParseMany` the engine's own
   * parser reads every SELECT of the batch in one call, and its tree is the one judged.
   */
  checkMany(sqls: readonly string[], context: CheckContext): Promise<Verdict[]>;
  /** The statement without trailing comments and semicolons, to nest it in a larger query (the semantic filter's ranking). */
  bare(sql: string): string;
  /**
   * A page of the query's rows as a query of its own (the query nested, sorted by a column position, LIMIT/OFFSET),
   * built on its parse tree; undefined when the dialect's grammars cannot read it.
   */
  rowWindow(sql: string, window: RowWindow, dialect: Dialect): Promise<string | undefined>;
  /**
   * The catalog tables `sql` reads (CTEs and subqueries looked through; a table read twice is listed twice), for an
   * estimate of its scan; undefined when it reads anything else (a table function, a table the catalog lacks) or no
   * catalog is known.
   */
  tablesRead(sql: string, context: CheckContext): Promise<readonly TableInfo[] | undefined>;
  /** `count(*)` of the query's rows as a query of its own, built as {@link rowWindow} is. */
  rowCount(sql: string, dialect: Dialect): Promise<string | undefined>;
}

/** Rows of a result to read: its column at a position (0-based) to sort by, and the rows to skip and keep. */
export interface RowWindow {
  readonly offset: number;
  readonly limit: number;
  readonly sort?: { readonly column: number; readonly descending: boolean };
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
  /** What the query does in plain words (every %%ask answer, %%sql --explain); kept in the saved metadata. */
  readonly explanation?: QueryExplanation;
  /**
   * How the run after an allowed check ended, when not with rows: the JupyterLab extension reads it from the
   * cell's outputs (an error, an empty table) and keeps it with the verdict, so the badge says it.
   */
  readonly outcome?: RunOutcome;
  /** The semantic filter's ranking (`--similar-to`): the text, the columns and the embedding model (name, SHA-256). */
  readonly similarity?: import("./embedder.js").SimilarityProvenance;
  /** ISO time the cell ran. */
  readonly ranAt: string;
}
