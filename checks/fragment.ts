/**
 * Text that no parser accepts never runs. What the checker can still read from its tokens decides how it
 * is reported: a statement the policy refuses anyway (by its leading keyword), an attack (injection
 * signals, refused functions), or a plain syntax error with its position.
 */
import type { EngineParseResult } from "../core/engine.js";
import type { Finding } from "../core/verdict.js";
import { positionOf, type Token } from "./lexer.js";
import type { ParseFailure } from "./parser.js";
import { DENIED_FUNCTION_PREFIXES, DENIED_FUNCTIONS, FILE_TABLE_FORMATS, LEADING_KEYWORDS, RULES, STATEMENT_RULES, type RuleId } from "./rules.js";
import { INJECTION_THRESHOLD, injectionSignals, type SignalReport } from "./signals.js";
import type { StatementKind } from "./tree.js";

/** Statement kinds whose leading keyword alone is enough to refuse unparseable text as an attack on the policy. */
const REFUSED_BY_KEYWORD: ReadonlySet<StatementKind> = new Set([
  "insert", "update", "delete", "merge", "truncate", "create", "drop", "alter", "copy", "export", "attach",
  "detach", "install", "load", "pragma", "reset", "grant", "set", "call",
]);

/** Deeper nesting than any analytic query needs; the grammars slow down long before it matters. */
const MAX_NESTING = 64;

/** The first parenthesis without a partner, or nesting past MAX_NESTING; no grammar is asked then. */
export function unpairedParenthesis(tokens: readonly Token[]): { message: string; at: number } | undefined {
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

/** Whether the first token can begin a statement at all (else no grammar is asked). */
export function startsStatement(tokens: readonly Token[]): boolean {
  const first = tokens.find((t) => t.kind !== "comment");
  return first !== undefined && ((first.kind === "word" && Object.hasOwn(LEADING_KEYWORDS, first.value)) || (first.kind === "op" && first.value === "("));
}

/** The signal names of a report, for messages. */
export function signalNames(report: SignalReport): string {
  return report.signals.map((s) => s.rule.replace("signal.", "")).join(", ");
}

/** The engine accepts a statement that has no tree we can walk (DuckDB serialises SELECT only). */
export function uninspectable(tokens: readonly Token[], sql: string): Finding {
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

/**
 * The token-stream fast path: one statement whose leading keyword the policy refuses whatever follows
 * (`INSERT INTO …`, `DROP TABLE …`, `SET …`) is decided without a parse, which would only name the same rule.
 */
export function refusedByKeyword(sql: string, tokens: readonly Token[]): Finding | undefined {
  const semicolon = tokens.findIndex((t) => t.kind === "op" && t.value === ";");
  if (semicolon >= 0 && tokens.slice(semicolon + 1).some((t) => t.kind !== "comment")) return undefined;
  // Code execution (ADD JAR, CREATE FUNCTION … USING JAR) is named as such by the usual path.
  if (codeExecution(tokens)) return undefined;
  const kind = leadingKinds(tokens)[0];
  if (!kind || kind === "select" || !REFUSED_BY_KEYWORD.has(kind) || !objectFollows(tokens)) return undefined;
  return statementFinding(kind, tokens, sql);
}

/** The fragment signals (checks/signals.ts) as a finding, when they score as an injection. */
export function signalFinding(sql: string, message: string): Finding | undefined {
  const report = injectionSignals(sql);
  if (report.score < INJECTION_THRESHOLD) return undefined;
  const first = report.signals[0];
  return {
    rule: RULES.injection,
    severity: "error",
    message: `${message}: ${signalNames(report)}.`,
    hint: "Write a complete SELECT query; fragments meant to be pasted into another query are refused.",
    ...(first ? positionOf(sql, first.offset) : {}),
  };
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
    // `SELECT … INTO stolen FROM …` writes a table (DuckDB cannot parse it, other engines would run it).
    if (t.kind === "word" && t.value === "into" && tokens[0]?.value === "select" && (next?.kind === "word" || next?.kind === "quoted") && prev?.value !== "insert") {
      return { rule: RULES.write, token: t };
    }
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

/** Words that are SQL syntax, never a value: alone, they probe which keywords a host query lets through. */
const PROBE_KEYWORDS: ReadonlySet<string> = new Set([
  ...Object.keys(LEADING_KEYWORDS), "distinct", "asc", "desc", "procedure", "handler", "union", "having", "like", "where",
  "order", "group", "limit", "into", "print", "waitfor", "xp_cmdshell", "sp_executesql", "information_schema",
]);

/**
 * The shapes of a probe rather than a value or a query: a lone SQL keyword, punctuation without any letter
 * (`'`, `//`, `29%`, `5739-5738`), a few characters of which one is punctuation (`;s`, `&1c`), URL-encoded bytes.
 */
function probeShape(sql: string, tokens: readonly Token[]): string | undefined {
  const solid = sql.replace(/\s+/g, "");
  const words = tokens.filter((t) => t.kind === "word");
  if (words.length === 1 && tokens.length <= 2 && PROBE_KEYWORDS.has(words[0]?.value ?? "")) return `a lone SQL keyword (${words[0]?.value}) probes which words get through.`;
  if (tokens.length === 1 && tokens[0]?.kind === "variable" && tokens[0].value.startsWith("@")) return `a lone variable (${tokens[0].value}) probes how the host query reads it.`;
  if (/^(%[0-9a-f]{2})+$/i.test(solid)) return "URL-encoded characters probe how the input is decoded.";
  if (!/[a-z]/i.test(solid) && /[^0-9.]/.test(solid)) return "punctuation without any word probes where a query breaks.";
  if (solid.length <= 3 && /[^a-z0-9]/i.test(solid)) return "a few characters with punctuation probe where a query breaks.";
  return undefined;
}

/** Text that no parser accepts: it never runs; the findings say whether it is an attack or a mistake. */
export function fragmentFindings(sql: string, tokens: readonly Token[], failure: ParseFailure | undefined, engine: EngineParseResult | undefined): Finding[] {
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
  const probe = findings.length === 0 ? probeShape(sql, tokens) : undefined;
  if (probe) {
    findings.push({
      rule: RULES.injection,
      severity: "error",
      message: `This text is not a query: ${probe}`,
      hint: "Write a complete SELECT query; probes for how another query breaks are refused.",
    });
  }
  const signals = probe ? undefined : signalFinding(sql, "This text is not a complete query and carries injection signals");
  if (signals) findings.push(signals);
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
