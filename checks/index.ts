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
import { lex, positionOf, type Token } from "./lexer.js";
import { parseSql, type ParseFailure, type ParseOutcome } from "./parser.js";
import { applyPolicy } from "./policy.js";
import { DENIED_FUNCTION_PREFIXES, DENIED_FUNCTIONS, FILE_TABLE_FORMATS, LEADING_KEYWORDS, RULES, STATEMENT_RULES, type RuleId } from "./rules.js";
import { INJECTION_THRESHOLD, injectionSignals, type SignalReport } from "./signals.js";
import type { ParsedSql, StatementKind } from "./tree.js";

export { CHECKER_VERSION };
export { closest, editDistance } from "./catalog-check.js";
export { injectionSignals, INJECTION_THRESHOLD } from "./signals.js";
export type { SignalReport, Signal } from "./signals.js";

const CHECKER_VERSION = "streamlink-checker/1.0.0";

export interface CheckerOptions {
  /** Parses kept for re-checks of the same text (cells re-run, %%ask repair loops); 0 turns the cache off. */
  readonly parseCacheSize?: number;
}

/** Creates the checker every query passes; one per session is enough (it keeps a parse cache). */
export function createChecker(options: CheckerOptions = {}): QueryChecker {
  return new Checker(options.parseCacheSize ?? 2048);
}

/** Statement kinds whose leading keyword alone is enough to refuse unparseable text as an attack on the policy. */
const REFUSED_BY_KEYWORD: ReadonlySet<StatementKind> = new Set([
  "insert", "update", "delete", "merge", "truncate", "create", "drop", "alter", "copy", "export", "attach",
  "detach", "install", "load", "pragma", "reset", "grant", "set", "call",
]);

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

/** Deeper nesting than any analytic query needs; the grammars slow down long before it matters. */
const MAX_NESTING = 64;

function unpairedParenthesis(tokens: readonly Token[]): { message: string; at: number } | undefined {
  const open: number[] = [];
  for (const t of tokens) {
    if (t.kind !== "op") continue;
    if (t.value === "(") {
      open.push(t.start);
      if (open.length > MAX_NESTING) return { message: `parentheses nested deeper than ${MAX_NESTING}`, at: t.start };
    } else if (t.value === ")") {
      if (open.pop() === undefined) return { message: 'a ")" without its "("', at: t.start };
    }
  }
  const first = open[0];
  return first === undefined ? undefined : { message: 'a "(" that is never closed', at: first };
}

function startsStatement(tokens: readonly Token[]): boolean {
  const first = tokens.find((t) => t.kind !== "comment");
  return first !== undefined && ((first.kind === "word" && Object.hasOwn(LEADING_KEYWORDS, first.value)) || (first.kind === "op" && first.value === "("));
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
        message: `A string literal looks like an injection payload (${describe(report)}).`,
        hint: "If this value came from user input, check where it came from; the query itself is read-only.",
      });
    }
  }
  const blocked = findings.some((f) => f.severity === "error");
  return { findings, executedSql: blocked ? sql : policy.executedSql };
}

/** Literals without any of these cannot score: most values (names, dates, codes) skip the signal pass. */
const MAYBE_PAYLOAD = /['"`;#=()@%]|--|\/\*|0x|\b(union|select|sleep|benchmark|waitfor|delay|or|and|exec|declare)\b|[\u02BC\u2018\u2019\u201C\u201D\uFF01-\uFF5E]/i;

function describe(report: SignalReport): string {
  return report.signals.map((s) => s.rule.replace("signal.", "")).join(", ");
}

/** The engine accepts a statement that has no tree we can walk (DuckDB serialises SELECT only). */
function uninspectable(tokens: readonly Token[], sql: string): Finding {
  const kind = leadingKinds(tokens)[0];
  if (kind && kind !== "select") return statementFinding(kind, tokens, sql);
  return {
    rule: RULES.uninspectable,
    severity: "error",
    message: "The engine accepts this statement, but the checker cannot inspect its parse tree, so it does not run.",
    hint: "Rewrite it as a plain SELECT query.",
  };
}

function statementFinding(kind: Exclude<StatementKind, "select">, tokens: readonly Token[], sql: string): Finding {
  const first = tokens.find((t) => t.kind !== "comment");
  return {
    rule: STATEMENT_RULES[kind],
    severity: "error",
    message: `${(first?.value ?? kind).toUpperCase()} statements are not allowed: only read-only SELECT queries run.`,
    hint: "Only SELECT queries run here; connections are read-only.",
    ...(first ? positionOf(sql, first.start) : {}),
  };
}

/** Leading keyword of each `;`-separated statement. */
function leadingKinds(tokens: readonly Token[]): StatementKind[] {
  const kinds: StatementKind[] = [];
  let expectLead = true;
  for (const t of tokens) {
    if (t.kind === "comment") continue;
    if (t.kind === "op" && t.value === ";") {
      expectLead = true;
      continue;
    }
    if (expectLead) {
      expectLead = false;
      const kind = t.kind === "word" ? LEADING_KEYWORDS[t.value] : t.kind === "op" && t.value === "(" ? "select" : undefined;
      kinds.push(kind ?? "other");
    }
  }
  return kinds;
}

/** A refused function call, a file path used as a table, or a write nested in a WITH, found by token. */
function deniedCall(tokens: readonly Token[]): { rule: RuleId; token: Token } | undefined {
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    const next = tokens[i + 1];
    if (!t) continue;
    if (t.kind === "word" && next?.value === "(") {
      const rule = DENIED_FUNCTIONS.get(t.value) ?? DENIED_FUNCTION_PREFIXES.find(([p]) => t.value.startsWith(p))?.[1];
      if (rule) return { rule, token: t };
    }
    const format = tokens[i - 2];
    if (t.kind === "quoted" && tokens[i - 1]?.value === "." && format?.kind === "word" && FILE_TABLE_FORMATS.has(format.value)) {
      return { rule: RULES.fileAccess, token: t };
    }
    const prev = tokens[i - 1];
    if (t.kind === "word" && prev?.value === "(" && ["delete", "insert", "update"].includes(t.value)) return { rule: RULES.write, token: t };
    if (t.kind === "word" && t.value === "insert" && next?.value === "into") return { rule: RULES.write, token: t };
  }
  return undefined;
}

/** `DROP TABLE`, `INSERT INTO`: the leading keyword is followed by a name or keyword, as a statement's is. */
function objectFollows(tokens: readonly Token[]): boolean {
  const second = tokens.filter((t) => t.kind !== "comment")[1];
  return second !== undefined && (second.kind === "word" || second.kind === "quoted" || second.kind === "string" || second.value === "(");
}

/** Spark's code-execution forms, found by keyword when the grammar cannot read them. */
function codeExecution(tokens: readonly Token[]): Token | undefined {
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t?.kind !== "word") continue;
    const next = tokens[i + 1];
    if (t.value === "transform" && next?.value === "(" && tokens.slice(i + 2).some((x) => x.kind === "word" && x.value === "using")) return t;
    if (t.value === "add" && next?.kind === "word" && ["jar", "jars", "file", "files", "archive", "archives"].includes(next.value)) return t;
    if (t.value === "function" && tokens.slice(i + 1).some((x, k, rest) => x.value === "using" && ["jar", "file", "archive"].includes(rest[k + 1]?.value ?? ""))) return t;
  }
  return undefined;
}

/** Text that no parser accepts: it never runs; the findings say whether it is an attack or a mistake. */
function fragmentFindings(sql: string, tokens: readonly Token[], failure: ParseFailure | undefined, engine: EngineParseResult | undefined): Finding[] {
  const findings: Finding[] = [];
  const exec = codeExecution(tokens);
  if (exec) {
    findings.push({
      rule: RULES.codeExecution,
      severity: "error",
      message: `${exec.value.toUpperCase()} … runs code on the engine.`,
      hint: "Queries cannot run scripts, JARs or user-defined code.",
      ...positionOf(sql, exec.start),
    });
  }
  const kinds = leadingKinds(tokens);
  if (kinds.filter((k) => k !== "other").length > 1 && !findings.length) {
    findings.push({
      rule: RULES.multipleStatements,
      severity: "error",
      message: `${kinds.length} statements found; exactly one is allowed.`,
      hint: "Run one statement per cell.",
    });
  }
  const denied = deniedCall(tokens);
  if (denied && !findings.length) {
    findings.push({
      rule: denied.rule,
      severity: "error",
      message: `${denied.token.value}${denied.token.kind === "word" ? "()" : ""} is not allowed.`,
      hint: "Query the connection's own tables with a plain SELECT.",
      ...positionOf(sql, denied.token.start),
    });
  }
  const refused = objectFollows(tokens) ? kinds.find((k): k is Exclude<StatementKind, "select"> => k !== "select" && REFUSED_BY_KEYWORD.has(k)) : undefined;
  if (refused && !findings.length) findings.push(statementFinding(refused, tokens, sql));
  const report = injectionSignals(sql);
  if (report.score >= INJECTION_THRESHOLD) {
    const first = report.signals[0];
    findings.push({
      rule: RULES.injection,
      severity: "error",
      message: `This text is not a complete query and carries injection signals: ${describe(report)}.`,
      hint: "Write a complete SELECT query; fragments meant to be pasted into another query are refused.",
      ...(first ? positionOf(sql, first.offset) : {}),
    });
  }
  const position = failure?.position;
  const expected = failure?.expected.length ? ` Expected one of: ${failure.expected.join(", ")}.` : "";
  findings.push({
    rule: RULES.parse,
    severity: findings.length > 0 ? "info" : "error",
    message: `Syntax error${position ? ` at line ${position.line}, column ${position.column}` : ""}: ${failure?.message ?? "cannot parse"}.${engine?.message ? ` The engine says: ${engine.message}` : ""}`,
    hint: `Fix the SQL near the marked position.${expected}`,
    ...(position ?? {}),
  });
  return findings;
}

export type { RuleId };
