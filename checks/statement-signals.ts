/**
 * Whole-statement injection signals: the marks an attack leaves on a complete statement, read from the token
 * stream (tautologies, a comment that cuts the host query, quotes, encodings, probes) and from the parse tree
 * where one exists (what a UNION branch reads, statements stacked after a SELECT, catalogs multiplied together).
 *
 * A signal is strong (an attack signature: it blocks whoever wrote the SQL) or weak (an analyst could write it:
 * alone it warns on SQL a person typed and blocks SQL a model wrote; two different weak signals block). Every
 * pass is linear in the token count.
 */
import type { Finding, Severity, SqlAuthor } from "../core/verdict.js";
import { lex, positionOf, type Token } from "./lexer.js";
import { isSystemTable } from "./policy.js";
import { DENIED_FUNCTIONS, RULES, SYSTEM_SCHEMAS, type RuleId } from "./rules.js";
import { allBlocks, type ParsedSql } from "./tree.js";

interface StatementSignal {
  readonly rule: RuleId;
  readonly strong: boolean;
  readonly message: string;
  readonly offset: number;
}

const COMPARISON = new Set(["=", "==", "<>", "!=", "<", ">", "<=", ">="]);
/** What may follow a constant operand of OR for it to stand alone (`OR 1 --`, `OR 1)`, `OR 1 OR …`). */
const OPERAND_END = new Set([")", ";", "or", "and", "||", "#"]);
/** Functions and forms that only delay the answer: how blind injection reads data one bit at a time. */
const DELAY_FUNCTIONS = new Set(["sleep", "pg_sleep", "benchmark", "receive_message", "dbms_lock.sleep", "dbms_pipe.receive_message", "randomblob", "pg_sleep_for"]);
/** Functions made to raise an error whose message carries the answer. */
const ERROR_FUNCTIONS = new Set(["extractvalue", "updatexml", "exp", "gtid_subset", "json_keys", "geometrycollection", "multipoint", "polygon", "linestring"]);
const CODE_CALLS = new Set(["chr", "char", "nchar"]);
const CORROBORATING: ReadonlySet<RuleId> = new Set([RULES.quoteImbalance, RULES.catalogProbe]);
export const SERVER_PROBE_RULES: ReadonlySet<RuleId> = new Set([RULES.serverInfo, RULES.secrets, RULES.systemCatalog]);

export interface SignalContext {
  readonly author: SqlAuthor;
  /** The text begins like a statement; else it is a fragment, which never runs, so any signal decides. */
  readonly statement: boolean;
  /**
   * The policy refused a read of catalogs, versions or settings: one weak signal more when another is there
   * (a person may look at a catalog; with a cut-off comment it is a probe).
   */
  readonly probes: boolean;
}

/** Reads the signals of `sql` (its tokens `tokens`) and, when given, of its tree; returns them as findings. */
export function statementSignals(sql: string, tokens: readonly Token[], tree: ParsedSql | undefined, context: SignalContext): Finding[] {
  const signals = [...tokenSignals(tokens), ...(tree ? treeSignals(tree) : [])];
  // A stray quote (`or @#" = 1 or 1 = 1 -- 1`) swallows the rest of the text into one unterminated token: the
  // attack is read once more without it, and in a statement the imbalance itself is a signal (in a fragment
  // it is as likely a name like O'Brien).
  const last = tokens.at(-1);
  if (!tree && last?.unterminated && (last.kind === "string" || last.kind === "quoted")) {
    if (context.statement) signals.push({ rule: RULES.quoteImbalance, strong: false, message: "A quote is never closed: the host query would close it.", offset: last.start });
    const rest = sql.slice(0, last.start) + " " + sql.slice(last.start + 1);
    signals.push(...tokenSignals(lex(rest)));
  }
  const unique = dedupe(signals);
  if (context.probes && unique.length > 0) unique.push({ rule: RULES.catalogProbe, strong: false, message: "It reads server or catalog information.", offset: 0 });
  return decide(sql, unique, context.statement ? context.author : "model");
}

function decide(sql: string, signals: readonly StatementSignal[], author: SqlAuthor): Finding[] {
  if (signals.length === 0) return [];
  const strong = signals.some((s) => s.strong);
  const kinds = new Set(signals.map((s) => s.rule)).size;
  // An unclosed quote or a catalog read alone is a typo or curiosity, whoever wrote it: it only corroborates.
  const corroborating = signals.every((s) => CORROBORATING.has(s.rule));
  const severity: Severity = strong || kinds >= 2 || (author === "model" && !corroborating) ? "error" : "warning";
  // Strong signals first: the verdict names the first blocking finding's rule.
  const ordered = [...signals].sort((a, b) => Number(b.strong) - Number(a.strong));
  return ordered.map((s) => ({
    rule: s.rule,
    severity,
    message:
      severity === "error" || ordered.length > 1 || corroborating
        ? `Injection signal: ${s.message}`
        : `Injection signal: ${s.message} It runs because you typed it; a model-written query with it is refused.`,
    hint: "If this text was built from user input, the input broke out of its value. Write the query without it.",
    ...positionOf(sql, s.offset),
  }));
}

function dedupe(signals: readonly StatementSignal[]): StatementSignal[] {
  const seen = new Map<string, StatementSignal>();
  for (const s of signals) {
    const had = seen.get(s.rule);
    if (!had || (s.strong && !had.strong)) seen.set(s.rule, s);
  }
  return [...seen.values()];
}

// ---------------------------------------------------------------------------------------------
// Token stream

function tokenSignals(all: readonly Token[]): StatementSignal[] {
  const out: StatementSignal[] = [];
  const tokens = all.filter((t) => t.kind !== "comment");
  const trailing = trailingComment(all);
  let tautologyEnd = -1;
  let codes = 0;
  for (let k = 0; k < tokens.length; k++) {
    const t = tokens[k];
    if (!t) continue;
    const v = t.value;
    if (t.kind === "word" && (v === "or" || v === "xor")) {
      const end = truthyOperand(tokens, k + 1);
      if (end !== undefined) {
        tautologyEnd = Math.max(tautologyEnd, tokens[end - 1]?.end ?? t.end);
        out.push({ rule: RULES.tautology, strong: false, message: "OR with an always-true operand makes every row match.", offset: t.start });
      }
    }
    if (k === 0 && t.kind === "word" && (v === "or" || v === "and" || v === "having") && tokens.length > 2) {
      out.push({ rule: RULES.tautology, strong: false, message: `The text starts in the middle of a condition (${v.toUpperCase()} …).`, offset: t.start });
    }
    if (t.kind === "word" && v === "when") {
      const i = tokens[k + 1]?.value === "(" ? k + 2 : k + 1;
      if (tokens[i]?.kind === "number" && COMPARISON.has(tokens[i + 1]?.value ?? "") && tokens[i + 2]?.kind === "number") {
        out.push({ rule: RULES.errorProbe, strong: false, message: "A condition compares two numbers: a yes/no probe, not a filter.", offset: t.start });
      }
    }
    if (t.kind === "word" && tokens[k + 1]?.value === "(") {
      const dotted = tokens[k - 1]?.value === "." && tokens[k - 2]?.kind === "word" ? `${tokens[k - 2]?.value}.${v}` : v;
      if (DELAY_FUNCTIONS.has(dotted) || DELAY_FUNCTIONS.has(v)) out.push({ rule: RULES.timeProbe, strong: true, message: `${dotted}() delays the answer (time-based blind injection).`, offset: t.start });
      if (ERROR_FUNCTIONS.has(v) && (v !== "exp" || tokens[k + 2]?.value === "~")) out.push({ rule: RULES.errorProbe, strong: true, message: `${v}() is used to leak data through an error message.`, offset: t.start });
      if (CODE_CALLS.has(v) && tokens[k + 2]?.kind === "number") codes++;
    }
    if (t.kind === "word" && v === "waitfor" && tokens[k + 1]?.value === "delay") out.push({ rule: RULES.timeProbe, strong: true, message: "WAITFOR DELAY delays the answer.", offset: t.start });
    if (t.kind === "op" && v === "/" && (tokens[k + 1]?.value === "0" || (tokens[k + 1]?.value === "(" && tokens[k + 2]?.value === "select" && tokens[k + 3]?.value === "0"))) {
      out.push({ rule: RULES.errorProbe, strong: true, message: "A division by zero forces an error on one branch: an error-based probe.", offset: t.start });
    }
    if (t.kind === "word" && v === "union") {
      let n = k + 1;
      if (tokens[n]?.value === "all" || tokens[n]?.value === "distinct") n++;
      while (tokens[n]?.value === "(") n++;
      if (tokens[n]?.value === "select" && constantList(tokens, n + 1)) {
        out.push({ rule: RULES.unionProbe, strong: false, message: "UNION SELECT of constants matches the host query's columns.", offset: t.start });
      }
    }
    if (t.kind === "word" && privilegeAt(tokens, k)) {
      out.push({ rule: RULES.privilege, strong: true, message: "It creates accounts or grants privileges: an escalation, not a query.", offset: t.start });
    }
    if (t.kind === "op" && v === "\\" && /^(x(27|22|60)|u00(27|22))/.test(tokens[k + 1]?.value ?? "") && tokens[k + 1]?.start === t.end) {
      out.push({ rule: RULES.encoded, strong: false, message: "An escaped quote (\\x27) hides the break-out from filters.", offset: t.start });
    }
    if (t.kind === "hex" && t.value.length >= 10) out.push({ rule: RULES.encoded, strong: false, message: "A long hex literal hides a string from filters.", offset: t.start });
    if (t.kind === "variable" && v.startsWith("@@")) out.push({ rule: RULES.unionProbe, strong: true, message: `${v} reads a server variable.`, offset: t.start });
  }
  if (codes >= 3) out.push({ rule: RULES.encoded, strong: false, message: "CHR()/CHAR() sequences build strings from character codes.", offset: 0 });
  if (trailing) {
    const afterTautology = tautologyEnd >= 0 && tautologyEnd <= trailing.start;
    // An odd number of quotes: the comment swallows the quote that would have closed the host query's value.
    const quoteInside = (trailing.value.slice(2).match(/['"`]/g)?.length ?? 0) % 2 === 1;
    if (afterTautology || quoteInside) {
      out.push({
        rule: RULES.commentTruncation,
        strong: true,
        message: afterTautology ? "After an always-true condition, a comment cuts off the rest of the host query." : "A comment swallows the host query's closing quote.",
        offset: trailing.start,
      });
    } else if (bareComment(trailing.value)) {
      out.push({ rule: RULES.commentTruncation, strong: false, message: "The statement ends in an empty comment, which would cut off the rest of a host query.", offset: trailing.start });
    }
  }
  return out;
}

/** Account and privilege statements, and writes into a system schema (`INSERT INTO mysql.user`). */
function privilegeAt(tokens: readonly Token[], k: number): boolean {
  const v = tokens[k]?.value ?? "";
  const next = tokens[k + 1]?.value ?? "";
  if ((v === "create" || v === "alter") && (next === "user" || next === "login")) return true;
  if ((v === "grant" || v === "revoke") && k === 0) return true;
  if (v === "identified" && next === "by") return true;
  if (/^sp_(add|password|grant|droplogin)/.test(v)) return true;
  return (v === "into" || v === "update") && tokens[k + 2]?.value === "." && SYSTEM_SCHEMAS.has(next);
}

/** The last token when it is a line comment (`--`, and `#`, which payloads use for MySQL). */
function trailingComment(all: readonly Token[]): Token | undefined {
  const last = all.at(-1);
  if (last?.kind === "comment" && last.value.startsWith("--")) return last;
  // `#` is not a comment to our engines, so the lexer saw an operator: read it as a payload does.
  const hash = all.findIndex((t) => t.kind === "op" && t.value === "#");
  if (hash >= 0 && hash >= all.length - 3) {
    const t = all[hash];
    if (t) return { kind: "comment", value: `--${all.slice(hash + 1).map((x) => x.value).join("")}`, start: t.start, end: all.at(-1)?.end ?? t.end };
  }
  return undefined;
}

/** `--`, `-- 1`, `-- vykx`, `#`: a comment with no words to say, only there to cut. */
function bareComment(text: string): boolean {
  const body = text.replace(/^(--|#)/, "").trim();
  return body.length <= 8 && !/\s/.test(body);
}

/** Where an always-true operand starting at `k` ends (exclusive), or undefined when it is not one. */
function truthyOperand(tokens: readonly Token[], k: number): number | undefined {
  let i = k;
  while (tokens[i]?.value === "(") i++;
  const a = tokens[i];
  if (!a) return undefined;
  const standsAlone = (j: number): boolean => {
    let e = j;
    while (tokens[e]?.value === ")") e++;
    const next = tokens[e];
    return next === undefined || OPERAND_END.has(next.value);
  };
  if (a.kind === "word" && a.value === "true" && standsAlone(i + 1)) return i + 1;
  if (a.kind === "number" && Number(a.value) !== 0 && standsAlone(i + 1)) return i + 1;
  const op = tokens[i + 1];
  const b = tokens[i + 2];
  if (!op || !b) return undefined;
  if (op.kind === "word" && op.value === "between" && a.kind === "number" && b.kind === "number" && tokens[i + 3]?.value === "and" && tokens[i + 4]?.kind === "number") {
    const x = Number(a.value);
    return Number(b.value) <= x && x <= Number(tokens[i + 4]?.value) ? i + 5 : undefined;
  }
  if (op.kind === "word" && op.value === "in" && b.value === "(" && literal(a)) {
    const c = tokens[i + 3];
    return c && literal(c) && c.value === a.value ? i + 4 : undefined;
  }
  const comparison = op.kind === "op" ? COMPARISON.has(op.value) : op.value === "like" || op.value === "rlike" || op.value === "is";
  if (!comparison) return undefined;
  if (a.kind === "word" && b.kind === "word" && a.value === b.value && op.value === "=" && a.value !== "null") return i + 3;
  if (!literal(a) || !literal(b)) return undefined;
  return compare(a, op.value, b) ? i + 3 : undefined;
}

const literal = (t: Token): boolean => t.kind === "number" || t.kind === "string";

function compare(a: Token, op: string, b: Token): boolean {
  if (a.kind === "number" && b.kind === "number") {
    const x = Number(a.value);
    const y = Number(b.value);
    switch (op) {
      case "=": case "==": return x === y;
      case "<>": case "!=": return x !== y;
      case "<": return x < y;
      case ">": return x > y;
      case "<=": return x <= y;
      case ">=": return x >= y;
      default: return false;
    }
  }
  if (a.kind === "string" && b.kind === "string") {
    if (op === "=" || op === "==" || op === "like" || op === "is") return a.value === b.value;
    if (op === "<>" || op === "!=") return a.value !== b.value;
  }
  return false;
}

/** A select list of constants only (`1, 2, NULL`, `'a', 3`) up to FROM or the end. */
function constantList(tokens: readonly Token[], k: number): boolean {
  let items = 0;
  let i = k;
  for (;;) {
    const t = tokens[i];
    if (!t || t.value === "from" || t.value === ";" || t.value === ")" || t.value === "union") break;
    const constant = t.kind === "number" || t.kind === "string" || (t.kind === "word" && t.value === "null");
    if (!constant) return false;
    items++;
    const next = tokens[i + 1];
    if (next?.value === ",") i += 2;
    else i++;
  }
  return items >= 1;
}

// ---------------------------------------------------------------------------------------------
// Parse tree

function treeSignals(tree: ParsedSql): StatementSignal[] {
  const out: StatementSignal[] = [];
  const [first, ...rest] = tree.statements;
  if (first?.kind === "select" && rest.some((s) => s.kind !== "select")) {
    const stacked = rest.find((s) => s.kind !== "select");
    out.push({ rule: RULES.stackedWrite, strong: true, message: `A ${stacked?.keyword ?? "write"} statement is stacked after a SELECT.`, offset: 0 });
  }
  for (const statement of tree.statements) {
    const query = statement.query;
    if (!query) continue;
    for (const block of allBlocks(statement)) {
      const system = block.sources.filter((s) => s.kind === "table" && isSystemTable(s.name)).length;
      if (system >= 2 && block.sources.length >= 3) {
        out.push({ rule: RULES.timeProbe, strong: true, message: "System catalogs multiplied together: a heavy query used as a delay.", offset: 0 });
      }
    }
    // A UNION branch after the first that reads catalogs or asks the server who it is: the classic data probe.
    const branches = query.blocks.slice(1);
    const probing = branches.some(
      (b) =>
        b.sources.some((s) => s.kind === "table" && isSystemTable(s.name)) ||
        b.functions.some((f) => SERVER_PROBE_RULES.has(DENIED_FUNCTIONS.get(f.name) ?? RULES.parse)),
    );
    if (probing) out.push({ rule: RULES.unionProbe, strong: true, message: "A UNION branch reads system catalogs or server information.", offset: 0 });
  }
  return out;
}
