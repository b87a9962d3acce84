/**
 * Injection signals: the marks a payload leaves in text that is not a whole statement (a fragment
 * meant to be pasted into someone else's query) or inside a string literal. They decide only for
 * fragments; on a well-formed read-only query they are warnings, never a block (threat T12).
 *
 * Like libinjection, a fragment is read in three contexts — as written, and as if it continued a
 * single- or double-quoted string — because a payload is written for the context it breaks out of.
 */
import { lex, type Token } from "./lexer.js";

export interface Signal {
  /** `signal.tautology`, `signal.union-select`, … */
  readonly rule: string;
  readonly weight: number;
  readonly message: string;
  /** Offset in the analysed text. */
  readonly offset: number;
}

export interface SignalReport {
  readonly score: number;
  readonly signals: readonly Signal[];
}

/** A fragment whose strongest context scores at least this is treated as an injection. */
export const INJECTION_THRESHOLD = 3;

const STATEMENT_STARTS = new Set([
  "select", "drop", "insert", "update", "delete", "exec", "execute", "declare", "shutdown", "waitfor", "create",
  "alter", "truncate", "set", "if", "begin", "call", "grant", "load", "copy", "attach", "pragma", "union",
]);
const AFTER_BREAK = new Set([
  "or", "and", "union", "where", "order", "group", "having", "procedure", "limit", "into", "select", "as", "xor",
  "rlike", "like", "regexp", "in", "waitfor", "div", "then", "else", "end", "not", "is", "between",
]);
const STATEMENT_WORDS = new Set(["select", "with", "insert", "update", "delete", "create", "drop", "alter", "from"]);
const CONTINUATIONS = new Set(["or", "and", "end", "union", "having", "order", "group", "where", "xor", "procedure", "rlike", "waitfor"]);
const COMPARISON_OPS = new Set(["=", "==", "<>", "!=", "<", ">", "<=", ">="]);
const TIME_FUNCTIONS = new Set(["sleep", "pg_sleep", "benchmark", "randomblob", "receive_message", "dbms_lock", "generate_series"]);
const PROBE_FUNCTIONS = new Set([
  "version", "user", "database", "current_user", "session_user", "system_user", "schema", "load_file", "xp_cmdshell",
  "extractvalue", "updatexml", "elt", "make_set", "get_host_address", "get_host_name", "request", "xmltype",
  "regexp_substring", "crypt_key", "sqlid_to_sqlhash", "sn", "getenv", "current_setting", "pg_read_file",
  "utl_inaddr", "utl_http", "dbms_pipe", "ctxsys", "drithsx", "exp", "floor", "rand", "concat_ws", "json_keys",
  "gtid_subset", "geometrycollection", "multipoint", "polygon", "linestring", "char_length", "ascii", "ord", "mid",
  "substring", "substr", "length", "hex", "unhex", "bin", "convert", "cast", "iif", "case", "nvl", "ifnull", "if",
  "instr", "lower", "upper", "count", "md5", "sha1", "group_concat", "string_agg", "pg_sleep", "sleep", "benchmark",
  "chr", "char", "nchar", "concat",
]);
const STRONG_PROBES = new Set([
  "version", "user_name", "db_name", "suser_name", "is_srvrolemember", "has_dbaccess", "load_file", "xp_cmdshell", "extractvalue", "updatexml", "elt", "make_set", "get_host_address",
  "get_host_name", "xmltype", "regexp_substring", "crypt_key", "sqlid_to_sqlhash", "drithsx", "utl_inaddr",
  "utl_http", "dbms_pipe", "ctxsys", "gtid_subset", "json_keys", "pg_read_file", "getenv", "current_setting",
]);
const SYSTEM_WORDS = [
  "information_schema", "sysobjects", "syscolumns", "sysusers", "sysdatabases", "sysibm", "systables", "sqlite_master",
  "pg_catalog", "pg_user", "pg_shadow", "all_tables", "all_tab_columns", "all_users", "user_tables", "dba_users",
  "v$version", "rdb$", "mysql.user", "mysql.db", "msysobjects", "sys.", "master..", "domain.domains", "dual",
];

/** Reads the signals of `text` in each context and returns the strongest context's report. */
export function injectionSignals(text: string): SignalReport {
  const normalised = text.replace(/[\u2018\u2019\u02BC\u2032]/g, "'").replace(/[\u201C\u201D\u2033]/g, '"').normalize("NFKC");
  const lookalike = normalised !== text && /[\uFF01-\uFF5E\u02BC\u2018\u2019\u201C\u201D\u2032\u2033\uFE68]/.test(text);
  const source = lookalike ? normalised : text;
  let best: SignalReport = { score: 0, signals: [] };
  // Text that starts like a statement is read only as written: it is not continuing someone's string.
  const contexts = /^\s*(select|with|insert|update|delete|create|drop|alter)\b/i.test(source) ? [""] : ["", "'", '"'];
  for (const prefix of contexts) {
    const report = analyse(prefix + source, prefix.length);
    if (report.score > best.score) best = report;
  }
  // A stray quote inside a payload (`or @#", = 1 union …`) swallows the rest of the text into one
  // unterminated token; read it once more without that quote.
  const last = lex(source, { hashComments: true }).at(-1);
  if (last?.unterminated && last.start > 0 && (last.kind === "string" || last.kind === "quoted")) {
    const report = analyse(source.slice(0, last.start) + source.slice(last.start + 1), 0);
    if (report.score > best.score) best = report;
  }
  if (lookalike && best.score > 0) {
    const signal: Signal = { rule: "signal.lookalike", weight: 2, message: "Unicode look-alike characters hide SQL syntax.", offset: 0 };
    best = { score: best.score + signal.weight, signals: [signal, ...best.signals] };
  }
  return best;
}

function analyse(text: string, shift: number): SignalReport {
  const best = analyseTokens(text, shift, lex(text, { hashComments: true }));
  // `#` is a comment to MySQL and junk elsewhere; payloads use it both ways, so read both.
  if (!text.includes("#")) return best;
  const plain = analyseTokens(text, shift, lex(text));
  return plain.score > best.score ? plain : best;
}

function analyseTokens(text: string, shift: number, tokens: readonly Token[]): SignalReport {
  const signals: Signal[] = [];
  const add = (rule: string, weight: number, message: string, token: Token | undefined): void => {
    if (signals.some((s) => s.rule === rule)) return;
    signals.push({ rule, weight, message, offset: Math.max(0, (token?.start ?? shift) - shift) });
  };
  const words = tokens.filter((t) => t.kind === "word").length;
  const value = (i: number): string => tokens[i]?.value ?? "";
  const kind = (i: number): string => tokens[i]?.kind ?? "";
  let charCalls = 0;
  // The nearest token before (-1) or after (+1) `k` that is not a comment: an empty comment stands for a space.
  const near = (k: number, step: -1 | 1): number => {
    let i = k + step;
    while (tokens[i]?.kind === "comment") i += step;
    return i;
  };
  const statementLike = shift === 0 && tokens[0]?.kind === "word" && STATEMENT_WORDS.has(tokens[0].value);

  // A break-out: the fragment's first value (or the string it continues) is closed, then SQL follows.
  let i = 0;
  if (shift > 0) {
    const first = tokens[0];
    const closed = first && (first.kind === "string" || first.kind === "quoted") && !first.unterminated;
    if (!closed) return { score: 0, signals: [] };
    i = 1;
  } else {
    while (i < tokens.length && (kind(i) === "number" || (kind(i) === "op" && value(i) === "-"))) i++;
    if (i === 0 && kind(0) === "word" && tokens.length > 1 && !STATEMENT_STARTS.has(value(0)) && !AFTER_BREAK.has(value(0))) i = 1;
  }
  let j = i;
  while (j < tokens.length && kind(j) === "op" && (value(j) === ")" || value(j) === "%")) j++;
  const breakOut = j < tokens.length && i > 0 && (AFTER_BREAK.has(value(j)) || value(j) === ";" || value(j) === "||" || value(j) === "+" || (kind(j) === "comment" && j === tokens.length - 1) || (j > i && kind(j) === "op" && value(j) === "("));
  if (breakOut) add("signal.break-out", shift > 0 ? 2 : j > i ? 2 : 1, "The text closes a value and continues with SQL.", tokens[j]);
  else if (shift === 0 && kind(0) === "word" && CONTINUATIONS.has(value(0)) && tokens.length > 1) {
    add("signal.continuation", 1, "The text starts in the middle of a condition.", tokens[0]);
  }

  for (let k = 0; k < tokens.length; k++) {
    const t = tokens[k];
    if (!t) continue;
    const v = t.value;
    if (t.kind === "word") {
      if (v === "union") {
        let n = k + 1;
        if (value(n) === "all" || value(n) === "distinct") n++;
        while (kind(n) === "comment" || (kind(n) === "op" && value(n) === "(")) n++;
        if (value(n) === "select") add("signal.union-select", statementLike ? 1 : 3, "UNION SELECT appends rows from another query.", t);
      }
      if ((v === "or" || v === "and" || v === "xor" || v === "having" || v === "where") && tautologyAt(tokens, near(k, 1))) {
        add(v === "or" || v === "xor" ? "signal.tautology" : "signal.constant-condition", v === "or" ? 3 : statementLike ? 1 : 2, "A condition that is always true or always false.", t);
      }
      if (v === "or" && (value(k + 1) === "true" || (kind(k + 1) === "number" && (k + 2 >= tokens.length || kind(k + 2) === "comment")))) {
        add("signal.tautology", 3, "OR with a constant makes every row match.", t);
      }
      if ((v === "declare" && kind(k + 1) === "variable") || (v === "exec" && /^(sp|xp)_?/.test(value(k + 1)))) {
        add("signal.procedure", 3, "Declares variables or calls system procedures (SQL Server).", t);
      }
      if (TIME_FUNCTIONS.has(v) && value(k + 1) === "(") add("signal.time-function", 3, `${v}() delays the response (time-based blind injection).`, t);
      if (v === "waitfor" && value(k + 1) === "delay") add("signal.time-function", 3, "WAITFOR DELAY delays the response.", t);
      if ((v === "char" || v === "chr" || v === "nchar") && value(k + 1) === "(" && kind(k + 2) === "number") charCalls++;
      if (STRONG_PROBES.has(v) && (value(k + 1) === "(" || value(k + 1) === ".")) add("signal.probe-function", 3, `${v} probes the server.`, t);
      else if (PROBE_FUNCTIONS.has(v) && value(k + 1) === "(" && words > 2 && !statementLike) add("signal.function", 1, `${v}() in a fragment.`, t);
      if (v === "procedure" && value(k + 1) === "analyse") add("signal.probe-function", 3, "PROCEDURE ANALYSE probes the server.", t);
      if ((v === "into" && (value(k + 1) === "outfile" || value(k + 1) === "dumpfile")) || v === "load_file") add("signal.file", 3, "Reads or writes server files.", t);
      if (v === "order" && value(k + 1) === "by" && kind(k + 2) === "number" && (k + 3 >= tokens.length || kind(k + 3) === "comment")) {
        add("signal.column-probe", 2, "ORDER BY <n> counts the columns of the host query.", t);
      }
      if (v === "select" && value(k + 1) === "null" && value(k + 2) === ",") add("signal.union-select", 2, "SELECT NULL, NULL … matches the host query's columns.", t);
      const dotted = text.slice(t.start, t.start + 24).toLowerCase();
      const sys = SYSTEM_WORDS.find((w) => v === w || (w.length > v.length && dotted.startsWith(w)) || (w.endsWith("$") && v.startsWith(w)));
      if (sys) add("signal.system-table", sys === "dual" ? 2 : 3, `${sys} is a system catalog.`, t);
    } else if (t.kind === "op" && COMPARISON_OPS.has(v) && k > 0 && constantComparison(tokens[near(k, -1)], tokens[near(k, 1)])) {
      add("signal.constant-comparison", statementLike ? 1 : 3, "Two constants compared: a probe, not a filter.", t);
    } else if (t.kind === "op" && v === "/" && (value(k + 1) === "0" || (value(k + 1) === "(" && value(k + 2) === "select" && value(k + 3) === "0"))) {
      add("signal.error-based", 2, "Division by zero forces an error that leaks the answer.", t);
    } else if (t.kind === "variable" && v.startsWith("@@")) {
      add("signal.probe-function", 3, `${v} reads a server variable.`, t);
    } else if (t.kind === "op" && v === ";") {
      const next = tokens.slice(k + 1).find((x) => x.kind !== "comment");
      if (next && next.kind === "word" && STATEMENT_STARTS.has(next.value)) add("signal.stacked", statementLike ? 1 : 3, "A second statement follows a semicolon.", t);
    } else if (t.kind === "comment") {
      if (t.executable) add("signal.versioned-comment", 3, "/*! … */ hides SQL from parsers that skip comments.", t);
      else if (t.value.startsWith("/*") && tokens[k - 1]?.end === t.start && tokens[k + 1]?.start === t.end && kind(k - 1) === "word" && kind(k + 1) === "word") {
        add("signal.comment-split", 3, "A comment splits a keyword to evade filters.", t);
      } else if (k > 0 && k < tokens.length - 1 && t.value === "/**/") add("signal.comment-space", 2, "Empty comments used as spaces evade keyword filters.", t);
      else if (k === tokens.length - 1 && k > 0 && (signals.length > 0 || breakOut)) {
        add("signal.comment-truncation", 2, "A trailing comment cuts off the rest of the host query.", t);
      }
    } else if (t.kind === "hex" && (v.length >= 18 || (v.length >= 6 && words > 0))) {
      add("signal.encoded", v.length >= 18 ? 3 : 2, "Hex-encoded values hide strings from filters.", t);
    }
  }
  const last = tokens.at(-1);
  if (last && last.unterminated && (last.kind === "string" || last.kind === "quoted")) {
    if (/^[\s)%]*$/.test(last.value) && tokens.length <= 3 && shift === 0) {
      add("signal.quote-probe", 3, "A lone quote after a value: a probe for where the host query breaks.", last);
    } else if (tokens.length > 2) {
      add("signal.quote-rebalance", 2, "The text ends in an open quote that the host query would close.", last);
    }
  }
  if (charCalls >= 2) add("signal.encoded", 2, "CHAR()/CHR() sequences build strings from codes.", undefined);
  if ((text.match(/%[0-9a-f]{2}/gi)?.length ?? 0) >= 2) add("signal.encoded", 3, "URL-encoded characters hide the payload.", undefined);
  const score = signals.reduce((sum, s) => sum + s.weight, 0);
  return { score, signals };
}

function constantComparison(a: Token | undefined, b: Token | undefined): boolean {
  if (!a || !b) return false;
  if (a.kind === "number" && b.kind === "number") return true;
  return (a.kind === "string" || a.kind === "quoted") && (b.kind === "string" || b.kind === "quoted") && a.value === b.value && !b.unterminated;
}

/** `1=1`, `'a'='a'`, `x=x`, `5>3`, `'a' like 'a'` starting at token `k` (possibly inside parentheses). */
function tautologyAt(tokens: readonly Token[], k: number): boolean {
  let i = k;
  while (tokens[i]?.kind === "op" && tokens[i]?.value === "(") {
    i++;
  }
  const a = tokens[i];
  const op = tokens[i + 1];
  const b = tokens[i + 2];
  if (!a || !op || !b) return false;
  const literal = (t: Token): boolean => t.kind === "number" || t.kind === "string" || t.kind === "quoted" || t.kind === "word";
  if (!literal(a) || !literal(b)) return false;
  if (a.kind === "word" && b.kind === "word" && a.value !== b.value) return false;
  const ops = new Set(["=", "==", "<>", "!=", "<", ">", "<=", ">=", "like", "rlike", "is"]);
  if (op.kind === "op" ? !ops.has(op.value) : !(op.value === "like" || op.value === "rlike")) return false;
  if (a.kind === "number" && b.kind === "number") return true;
  if ((a.kind === "string" || a.kind === "quoted") && (b.kind === "string" || b.kind === "quoted")) return true;
  return a.value === b.value;
}
