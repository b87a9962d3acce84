/**
 * The query checker: syntax (parse + catalog) and security (policy walk + injection signals) in one
 * stage that every query passes before an engine sees it.
 *
 * Order of judgement: parse with node-sql-parser in the engine's dialect; when that fails, ask the
 * engine's own parser; when neither accepts the text, it does not run (fail closed) and the injection
 * signals decide whether it is reported as an attack or as a syntax error.
 */
import type { Dialect, EngineParseResult } from "../core/engine.js";
import type { CheckContext, Finding, QueryChecker, Verdict, VerdictCategory } from "../core/verdict.js";
import { checkCatalog } from "./catalog-check.js";
import { fromDuckDbTree } from "./duckdb-tree.js";
import { fragmentFindings, signalNames, startsStatement, uninspectable, unpairedParenthesis } from "./fragment.js";
import { lex, positionOf } from "./lexer.js";
import { parseSql, type ParseFailure, type ParseOutcome } from "./parser.js";
import { applyPolicy } from "./policy.js";
import { RULES } from "./rules.js";
import { INJECTION_THRESHOLD, injectionSignals } from "./signals.js";
import type { ParsedSql } from "./tree.js";

export { closest, editDistance } from "./catalog-check.js";
export { injectionSignals, INJECTION_THRESHOLD } from "./signals.js";
export type { SignalReport, Signal } from "./signals.js";
export type { RuleId } from "./rules.js";
export { parseShape } from "./parser.js";
export { lex } from "./lexer.js";
export type { Token } from "./lexer.js";
export type * from "./shape.js";

/** Name and version in every verdict; bump it when a rule changes what is allowed. */
export const CHECKER_VERSION = "streamlink-checker/1.0.0";

export interface CheckerOptions {
  /** Parses kept for re-checks of the same text (cells re-run, %%ask repair loops); 0 turns the cache off. */
  readonly parseCacheSize?: number;
}

/** Creates the checker every query passes; one per session is enough (it keeps a parse cache). */
export function createChecker(options: CheckerOptions = {}): QueryChecker {
  return new Checker(options.parseCacheSize ?? 2048);
}

class Checker implements QueryChecker {
  readonly version = CHECKER_VERSION;
  private readonly cache = new Map<string, ParseOutcome>();

  constructor(private readonly cacheSize: number) {}

  async check(sql: string, context: CheckContext): Promise<Verdict> {
    const started = performance.now();
    const judged = await this.judge(sql, context);
    const findings = judged.findings;
    const blocking = findings.filter((f) => f.severity === "error");
    const category: VerdictCategory = blocking.some((f) => isSecurity(f.rule))
      ? "security"
      : blocking.length > 0
        ? "syntax"
        : "ok";
    return {
      verdict: category === "ok" ? "allow" : "block",
      category,
      findings,
      checker: CHECKER_VERSION,
      sql,
      executedSql: category === "ok" ? judged.executedSql : sql,
      dialect: context.dialect,
      elapsedMs: performance.now() - started,
    };
  }

  private async judge(sql: string, context: CheckContext): Promise<{ findings: Finding[]; executedSql: string }> {
    const tokens = lex(sql);
    if (!tokens.some((t) => t.kind !== "comment")) {
      return {
        findings: [{ rule: RULES.empty, severity: "error", message: "There is no SQL statement to run.", hint: "Write a SELECT query." }],
        executedSql: sql,
      };
    }
    // Text that cannot even begin a statement, or whose parentheses do not pair up, goes straight to the
    // signals: no parser would accept it, and node-sql-parser's grammars backtrack exponentially on
    // unclosed parentheses (16 of them cost 30 s).
    const unpaired = unpairedParenthesis(tokens);
    const parsed = unpaired
      ? ({ ok: false, message: unpaired.message, position: positionOf(sql, unpaired.at), expected: [] } satisfies ParseFailure)
      : startsStatement(tokens)
        ? await this.parse(sql, context.dialect)
        : undefined;
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
    return treeFindings(sql, tree, context);
  }

  private async parse(sql: string, dialect: Dialect): Promise<ParseOutcome> {
    const key = `${dialect}\u0000${sql}`;
    const hit = this.cache.get(key);
    if (hit) {
      this.cache.delete(key);
      this.cache.set(key, hit);
      return hit;
    }
    const outcome = await parseSql(sql, dialect);
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

function isSecurity(rule: string): boolean {
  return rule.startsWith("security.") || rule.startsWith("plan.");
}

async function askEngine(engineParse: (sql: string) => Promise<EngineParseResult>, sql: string): Promise<EngineParseResult> {
  try {
    return await engineParse(sql);
  } catch (error) {
    return { ok: false, message: error instanceof Error ? error.message : String(error) };
  }
}

function treeFindings(sql: string, tree: ParsedSql, context: CheckContext): { findings: Finding[]; executedSql: string } {
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
  return { findings, executedSql: blocked ? sql : policy.executedSql };
}

/** Literals without any of these cannot score: most values (names, dates, codes) skip the signal pass. */
const MAYBE_PAYLOAD = /['"`;#=()@%]|--|\/\*|0x|\b(union|select|sleep|benchmark|waitfor|delay|or|and|exec|declare)\b|[\u02BC\u2018\u2019\u201C\u201D\uFF01-\uFF5E]/i;

