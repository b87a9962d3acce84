/**
 * The query checker: syntax (parse + catalog) and security (policy walk + injection signals) in one
 * stage that every query passes before an engine sees it.
 *
 * Order of judgement: text past the length bound or holding control characters is refused unparsed; a single
 * statement refused by its leading keyword is decided on its tokens; the rest is parsed with node-sql-parser in
 * the engine's dialect (on this thread while short and shallow, else in a worker with a deadline); when that
 * fails, the engine's own parser is asked; when neither accepts the text, it does not run (fail closed). In a
 * batch (`checkMany`) the engine's parser reads the SELECTs first, in one call. Whole-statement injection
 * signals (tokens and tree) then say whether a refusal is an attack (`injection`) or the read-only policy's
 * (`policy`), and whether an allowed query carries a warning.
 */
import type { Dialect, EngineParseResult } from "../core/engine.js";
import type { CheckContext, Finding, QueryChecker, RowWindow, Verdict, VerdictCategory } from "../core/verdict.js";
import type { TableInfo } from "../core/catalog.js";
import { checkCatalog } from "./catalog-check.js";
import { fromDuckDbTree } from "./duckdb-tree.js";
import { fragmentFindings, refusedByKeyword, signalFinding, signalNames, startsStatement, uninspectable, unpairedParenthesis } from "./fragment.js";
import { lex, positionOf, type Token } from "./lexer.js";
import { BoundedParser, DEFAULT_PARSE_BOUNDS, type ParseBounds } from "./bounded-parse.js";
import type { ParseFailure, ParseOutcome } from "./parser.js";
import { applyPolicy, bareStatement } from "./policy.js";
import { catalogTablesRead } from "./scope.js";
import { countQuery, windowQuery } from "./sql-edit.js";
import { categoryOf, RULES, type RuleId } from "./rules.js";
import { SERVER_PROBE_RULES, statementSignals } from "./statement-signals.js";
import { INJECTION_THRESHOLD, injectionSignals } from "./signals.js";
import { tablesRead } from "./scope.js";
import type { ParsedSql } from "./tree.js";

export { closest, editDistance } from "./catalog-check.js";
export { injectionSignals, INJECTION_THRESHOLD } from "./signals.js";
export type { SignalReport, Signal } from "./signals.js";
export type { RuleId } from "./rules.js";
export { parseShape } from "./parser.js";
export { lex } from "./lexer.js";
export type { Token } from "./lexer.js";
export { probeableLiteral, rowProbeSql, type ProbeColumn, type ProbeCondition, type ProbeQuery, type ProbeSource } from "./probe-query.js";
export type * from "./shape.js";

/** Name and version in every verdict; bump it when a rule changes what is allowed. */
export const CHECKER_VERSION = "streamlink-checker/1.1.0";

export interface CheckerOptions {
  /** Parses kept for re-checks of the same text (cells re-run, %%ask repair loops); 0 turns the cache off. */
  readonly parseCacheSize?: number;
  /** Limits on the parse (length, depth, deadline); the defaults suit a notebook. */
  readonly bounds?: Partial<ParseBounds>;
}

/** Creates the checker every query passes; one per session is enough (it keeps a parse cache). */
export function createChecker(options: CheckerOptions = {}): QueryChecker {
  return new Checker(options.parseCacheSize ?? 2048, { ...DEFAULT_PARSE_BOUNDS, ...options.bounds });
}

class Checker implements QueryChecker {
  readonly version = CHECKER_VERSION;
  private readonly cache = new Map<string, ParseOutcome>();
  private readonly parser: BoundedParser;

  constructor(
    private readonly cacheSize: number,
    private readonly bounds: ParseBounds,
  ) {
    this.parser = new BoundedParser(bounds);
  }

  bare(sql: string): string {
    return bareStatement(sql);
  }

  rowWindow(sql: string, window: RowWindow, dialect: Dialect): Promise<string | undefined> {
    return windowQuery(sql, window, dialect);
  }

  async tablesRead(sql: string, context: CheckContext): Promise<readonly TableInfo[] | undefined> {
    const parsed = await this.parse(sql, context.dialect, lex(sql));
    const statement = parsed.ok && parsed.tree.statements.length === 1 ? parsed.tree.statements[0] : undefined;
    return statement?.query && context.catalog ? catalogTablesRead(statement.query, context.catalog) : undefined;
  }

  rowCount(sql: string, dialect: Dialect): Promise<string | undefined> {
    return countQuery(sql, dialect);
  }

  check(sql: string, context: CheckContext): Promise<Verdict> {
    return this.checkOne(sql, context, undefined);
  }

  async checkMany(sqls: readonly string[], context: CheckContext): Promise<Verdict[]> {
    const parsed = await this.engineParseBatch(sqls, context);
    const verdicts: Verdict[] = [];
    for (const sql of sqls) verdicts.push(await this.checkOne(sql, context, parsed.get(sql)));
    return verdicts;
  }

  /**
   * The engine's trees for the batch's SELECT-like texts, read in chunks of one call each. A text the engine
   * reads is judged on its tree (the engine is what will run it); one it rejects as syntax cannot run and is
   * judged by its tokens alone, without asking node-sql-parser; one it cannot serialise (not a SELECT) takes
   * the usual path.
   */
  private async engineParseBatch(sqls: readonly string[], context: CheckContext): Promise<ReadonlyMap<string, EngineParseResult>> {
    const many = context.engineParseMany;
    const out = new Map<string, EngineParseResult>();
    if (!many) return out;
    const wanted = [...new Set(sqls)].filter((sql) => {
      if (sql.length > this.bounds.maxLength || controlCharacter(sql)) return false;
      const tokens = lex(sql);
      return startsStatement(tokens) && !refusedByKeyword(sql, tokens) && !unpairedParenthesis(tokens);
    });
    for (let i = 0; i < wanted.length; i += ENGINE_BATCH) {
      const chunk = wanted.slice(i, i + ENGINE_BATCH);
      const results = await many(chunk).catch(() => []);
      chunk.forEach((sql, k) => {
        const result = results[k];
        if (result && (result.ok || engineSyntaxError(result))) out.set(sql, result);
      });
    }
    return out;
  }

  private async checkOne(sql: string, context: CheckContext, engineParsed: EngineParseResult | undefined): Promise<Verdict> {
    const started = performance.now();
    const judged = await this.judge(sql, context, engineParsed);
    const findings = judged.findings;
    const blocking = findings.filter((f) => f.severity === "error");
    const deciding = blocking.find((f) => categoryOf(f.rule) === "injection") ?? blocking.find((f) => categoryOf(f.rule) === "policy") ?? blocking[0];
    const category: VerdictCategory = deciding ? categoryOf(deciding.rule) : "ok";
    return {
      verdict: category === "ok" ? "allow" : "block",
      category,
      ...(deciding ? { rule: deciding.rule } : {}),
      findings,
      checker: CHECKER_VERSION,
      sql,
      executedSql: category === "ok" ? judged.executedSql : sql,
      dialect: context.dialect,
      elapsedMs: performance.now() - started,
      ...(judged.tables ? { tables: judged.tables } : {}),
    };
  }

  private async judge(sql: string, context: CheckContext, engineParsed: EngineParseResult | undefined): Promise<Judged> {
    // Refused before any other work, so that no text can cost more than its length.
    if (sql.length > this.bounds.maxLength) {
      return { findings: [parseLimitFinding(`The text is ${sql.length.toLocaleString("en-US")} characters long; at most ${this.bounds.maxLength.toLocaleString("en-US")} are checked.`)], executedSql: sql };
    }
    const tokens = lex(sql);
    if (!tokens.some((t) => t.kind !== "comment")) {
      return {
        findings: [{ rule: RULES.empty, severity: "error", message: "There is no SQL statement to run.", hint: "Write a SELECT query." }],
        executedSql: sql,
      };
    }
    const statement = startsStatement(tokens);
    // NUL and other control characters end the text early for some readers and not for others (the row cap
    // after `SELECT 1;\0DROP …` was read by one, the DROP by another): such text is refused, unparsed.
    const control = controlCharacter(sql);
    const { findings, executedSql, tree, tables } = control
      ? { findings: [control], executedSql: sql, tree: undefined }
      : await this.judgeText(sql, tokens, statement, context, engineParsed);
    // Text that is not a statement never runs: any attack shape in it decides the category, whoever wrote it.
    const probes = findings.some((f) => f.severity === "error" && SERVER_PROBE_RULES.has(f.rule as RuleId));
    findings.push(...statementSignals(sql, tokens, tree, { author: context.author ?? "person", statement, probes }));
    if (executedSql !== sql && !findings.some((f) => f.severity === "error")) {
      const capped = await this.verifyRowCap(executedSql, context);
      if (capped) findings.push(capped);
    }
    return { findings, executedSql, ...(tables ? { tables } : {}) };
  }

  /**
   * The row cap is judged on the tree of the text that will run: exactly one SELECT whose outermost query has
   * the LIMIT. Anything else (a reader that split the text elsewhere) is refused rather than run uncapped.
   */
  private async verifyRowCap(executedSql: string, context: CheckContext): Promise<Finding | undefined> {
    const parsed = await this.parse(executedSql, context.dialect, lex(executedSql));
    let tree = parsed.ok ? parsed.tree : undefined;
    if (!tree && context.engineParse) {
      const engine = await askEngine(context.engineParse, executedSql);
      tree = engine.ok && engine.tree !== undefined ? fromDuckDbTree(executedSql, engine.tree) : undefined;
    }
    const only = tree?.statements.length === 1 ? tree.statements[0] : undefined;
    if (only?.query?.hasLimit) return undefined;
    // The capped text is parsed again under the same bounds; on a busy machine that second parse can pass them when
    // the first did not, and then the bound is the reason to say.
    if (!tree && parsed.ok === false && parsed.limit) return parseLimitFinding(`Not checked: ${parsed.message}.`);
    return {
      rule: RULES.rowCap,
      severity: "error",
      message: "The row cap could not be placed on this statement's outermost query.",
      hint: "Add your own LIMIT to the query.",
    };
  }

  private async judgeText(
    sql: string,
    tokens: readonly Token[],
    statement: boolean,
    context: CheckContext,
    engineParsed: EngineParseResult | undefined,
  ): Promise<Judged & { tree?: ParsedSql }> {
    // Text that cannot even begin a statement, or whose parentheses do not pair up, goes straight to the
    // signals: no parser would accept it, and node-sql-parser's grammars backtrack exponentially on
    // unclosed parentheses (16 of them cost 30 s).
    const refused = statement ? refusedByKeyword(sql, tokens) : undefined;
    if (refused) {
      // Refused for what it does; the payload marks (`call regexp_substring(repeat(…))`, `exec sp_addlogin`) say whether it is an attack.
      const signals = signalFinding(sql, "The statement carries injection signals");
      return { findings: signals ? [refused, signals] : [refused], executedSql: sql };
    }
    if (engineParsed) {
      const engineTree = engineParsed.ok && engineParsed.tree !== undefined ? fromDuckDbTree(sql, engineParsed.tree) : undefined;
      if (engineTree) return { ...treeFindings(sql, engineTree, context), tree: engineTree };
      const failure: ParseFailure = { ok: false, message: engineParsed.message ?? "cannot parse", position: engineErrorPosition(sql, engineParsed), expected: [] };
      return { findings: fragmentFindings(sql, tokens, failure, undefined), executedSql: sql };
    }
    const unpaired = unpairedParenthesis(tokens);
    const parsed = unpaired
      ? ({ ok: false, message: unpaired.message, position: positionOf(sql, unpaired.at), expected: [] } satisfies ParseFailure)
      : statement
        ? await this.parse(sql, context.dialect, tokens)
        : undefined;
    if (parsed?.ok === false && parsed.limit) return { findings: [parseLimitFinding(`Not checked: ${parsed.message}.`)], executedSql: sql };
    let tree = parsed?.ok ? parsed.tree : undefined;
    let engine: EngineParseResult | undefined;
    if (!tree && parsed && !unpaired && context.engineParse) {
      engine = await askEngine(context.engineParse, sql);
      if (engine.ok) {
        tree = engine.tree === undefined ? undefined : fromDuckDbTree(sql, engine.tree);
        if (!tree) return { findings: [uninspectable(tokens, sql)], executedSql: sql };
      }
    }
    if (!tree) return { findings: fragmentFindings(sql, tokens, parsed?.ok === false ? parsed : undefined, engine), executedSql: sql };
    return { ...treeFindings(sql, tree, context), tree };
  }

  private async parse(sql: string, dialect: Dialect, tokens: readonly Token[]): Promise<ParseOutcome> {
    const key = `${dialect}\u0000${sql}`;
    const hit = this.cache.get(key);
    if (hit) {
      this.cache.delete(key);
      this.cache.set(key, hit);
      return hit;
    }
    const outcome = await this.parser.parse(sql, dialect, tokens);
    if (this.cacheSize > 0) {
      this.cache.set(key, outcome);
      if (this.cache.size > this.cacheSize) {
        const oldest = this.cache.keys().next();
        if (!oldest.done) this.cache.delete(oldest.value);
      }
    }
    return outcome;
  }
}

/** Texts per engine call in `checkMany`: one list parameter each. */
const ENGINE_BATCH = 1000;

/** DuckDB's answer for text it cannot parse (as opposed to a statement it parses but cannot serialise). */
function engineSyntaxError(result: EngineParseResult): boolean {
  const tree = result.tree as { error_type?: unknown } | undefined;
  return !result.ok && tree?.error_type === "parser";
}

function engineErrorPosition(sql: string, result: EngineParseResult): { line: number; column: number } | undefined {
  const at = Number((result.tree as { position?: unknown } | undefined)?.position);
  return Number.isInteger(at) && at >= 0 && at <= sql.length ? positionOf(sql, at) : undefined;
}

function parseLimitFinding(message: string): Finding {
  return {
    rule: RULES.parseLimit,
    severity: "error",
    message,
    hint: "Split the query into smaller ones (a WITH clause per step), or shorten long OR/+ chains with IN (…).",
  };
}

/** The first NUL or other control character (tab, line feed and carriage return are whitespace). */
function controlCharacter(sql: string): Finding | undefined {
  for (let i = 0; i < sql.length; i++) {
    const c = sql.charCodeAt(i);
    if ((c < 32 && c !== 9 && c !== 10 && c !== 13) || c === 127) {
      return {
        rule: RULES.controlCharacter,
        severity: "error",
        message: `The text holds a control character (U+${c.toString(16).toUpperCase().padStart(4, "0")}) at ${positionOf(sql, i).line}:${positionOf(sql, i).column}.`,
        hint: "Remove it: control characters are read differently by different SQL readers.",
        ...positionOf(sql, i),
      };
    }
  }
  return undefined;
}

async function askEngine(engineParse: (sql: string) => Promise<EngineParseResult>, sql: string): Promise<EngineParseResult> {
  try {
    return await engineParse(sql);
  } catch (error) {
    return { ok: false, message: error instanceof Error ? error.message : String(error) };
  }
}

/** What judging a text found, the SQL that runs if allowed, and the catalog tables it reads (when its tree was read). */
interface Judged {
  readonly findings: Finding[];
  readonly executedSql: string;
  readonly tables?: readonly string[];
}

function treeFindings(sql: string, tree: ParsedSql, context: CheckContext): Judged {
  const policy = applyPolicy(sql, tree, {
    catalog: context.catalog,
    allowedTables: context.allowedTables,
    rowCap: context.rowCap,
  });
  const findings = [...policy.findings];
  if (context.catalog) findings.push(...checkCatalog(sql, tree, context.catalog));
  for (const literal of tree.literals) {
    if (!MAYBE_PAYLOAD.test(literal)) continue;
    const report = injectionSignals(literal);
    if (report.score >= INJECTION_THRESHOLD) {
      findings.push({
        rule: RULES.literalSignal,
        severity: "warning",
        message: `A string literal looks like an injection payload (${signalNames(report)}).`,
        hint: "If this value came from user input, check where it came from; the query itself is read-only.",
      });
    }
  }
  const blocked = findings.some((f) => f.severity === "error");
  return { findings, executedSql: blocked ? sql : policy.executedSql, ...(context.catalog ? { tables: tablesRead(tree, context.catalog) } : {}) };
}

/** Literals without any of these cannot score: most values (names, dates, codes) skip the signal pass. */
const MAYBE_PAYLOAD = /['"`;#=()@%]|--|\/\*|0x|\b(union|select|sleep|benchmark|waitfor|delay|or|and|exec|declare)\b|[\u02BC\u2018\u2019\u201C\u201D\uFF01-\uFF5E]/i;

