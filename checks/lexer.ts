/**
 * A linear, regex-free SQL lexer. The checker uses it where no parser can help: to split statements
 * for a fail-closed keyword scan, and to read injection signals out of fragments. One pass, no
 * backtracking, so its cost is bounded by the input length whatever the input is.
 */

export type TokenKind =
  | "word" // identifiers and keywords, unquoted
  | "quoted" // "identifier" or `identifier`
  | "string" // 'literal', E'…', $tag$…$tag$
  | "number"
  | "hex" // 0x41, x'41'
  | "comment" // -- …, /* … */, and `#` to the line end where the dialect allows it
  | "op" // operators and punctuation
  | "variable"; // @x, @@version, :param, ?

export interface Token {
  readonly kind: TokenKind;
  /** Lower-cased for words, unquoted content for strings and quoted identifiers, raw text otherwise. */
  readonly value: string;
  readonly start: number;
  readonly end: number;
  /** For strings and block comments: true when the input ended before the closing delimiter. */
  readonly unterminated?: boolean;
  /** For block comments: MySQL's executable `/*! … *\/` form. */
  readonly executable?: boolean;
}

export interface LexOptions {
  /** Treat `#` as a line comment (MySQL); our engines do not, but injected payloads often do. */
  readonly hashComments?: boolean;
}

const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isWordStart = (c: number): boolean =>
  (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c > 127;
const isWordPart = (c: number): boolean => isWordStart(c) || isDigit(c) || c === 36;
const isSpace = (c: number): boolean => c === 32 || c === 9 || c === 10 || c === 13 || c === 12 || c === 11 || c === 160;
const isHex = (c: number): boolean => isDigit(c) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);

const TWO_CHAR_OPS = new Set(["<=", ">=", "<>", "!=", "||", "::", "->", "=>", "==", "&&", "<<", ">>", ":="]);

/** Splits `sql` into tokens; whitespace is dropped, comments are kept (they matter to the signals). */
export function lex(sql: string, options: LexOptions = {}): Token[] {
  const tokens: Token[] = [];
  const n = sql.length;
  let i = 0;
  while (i < n) {
    const c = sql.charCodeAt(i);
    if (isSpace(c)) {
      i++;
      continue;
    }
    const start = i;
    const next = i + 1 < n ? sql.charCodeAt(i + 1) : -1;
    // -- line comment
    if (c === 45 && next === 45) {
      const nl = sql.indexOf("\n", i);
      i = nl < 0 ? n : nl;
      tokens.push({ kind: "comment", value: sql.slice(start, i), start, end: i });
      continue;
    }
    if (c === 35 && options.hashComments) {
      const nl = sql.indexOf("\n", i);
      i = nl < 0 ? n : nl;
      tokens.push({ kind: "comment", value: sql.slice(start, i), start, end: i });
      continue;
    }
    // /* block comment */ (not nested: the signals only need to see that one is there)
    if (c === 47 && next === 42) {
      const close = sql.indexOf("*/", i + 2);
      const unterminated = close < 0;
      i = unterminated ? n : close + 2;
      tokens.push({
        kind: "comment",
        value: sql.slice(start, i),
        start,
        end: i,
        unterminated,
        executable: sql.charCodeAt(start + 2) === 33,
      });
      continue;
    }
    // 'string' with '' escapes; E'…' and x'…' prefixes
    if (c === 39) {
      i = readQuoted(sql, i, 39, tokens, "string");
      continue;
    }
    if ((c === 69 || c === 101 || c === 78 || c === 110) && next === 39) {
      i = readQuoted(sql, i + 1, 39, tokens, "string", start);
      continue;
    }
    if ((c === 88 || c === 120) && next === 39) {
      const close = sql.indexOf("'", i + 2);
      i = close < 0 ? n : close + 1;
      tokens.push({ kind: "hex", value: sql.slice(start, i).toLowerCase(), start, end: i, unterminated: close < 0 });
      continue;
    }
    if (c === 34) {
      i = readQuoted(sql, i, 34, tokens, "quoted");
      continue;
    }
    if (c === 96) {
      i = readQuoted(sql, i, 96, tokens, "quoted");
      continue;
    }
    // $tag$ … $tag$ dollar-quoted string; $1 parameters
    if (c === 36) {
      let j = i + 1;
      while (j < n && (isWordPart(sql.charCodeAt(j)) && sql.charCodeAt(j) !== 36)) j++;
      if (j < n && sql.charCodeAt(j) === 36) {
        const tag = sql.slice(i, j + 1);
        const close = sql.indexOf(tag, j + 1);
        const end = close < 0 ? n : close + tag.length;
        tokens.push({
          kind: "string",
          value: sql.slice(j + 1, close < 0 ? n : close),
          start,
          end,
          unterminated: close < 0,
        });
        i = end;
        continue;
      }
      i = j;
      tokens.push({ kind: "variable", value: sql.slice(start, i), start, end: i });
      continue;
    }
    if (c === 48 && (next === 120 || next === 88)) {
      let j = i + 2;
      while (j < n && isHex(sql.charCodeAt(j))) j++;
      if (j > i + 2) {
        i = j;
        tokens.push({ kind: "hex", value: sql.slice(start, i).toLowerCase(), start, end: i });
        continue;
      }
    }
    if (isDigit(c) || (c === 46 && isDigit(next))) {
      let j = i;
      while (j < n && (isDigit(sql.charCodeAt(j)) || sql.charCodeAt(j) === 46 || sql.charCodeAt(j) === 95)) j++;
      const e = j < n ? sql.charCodeAt(j) : -1;
      if (e === 101 || e === 69) {
        let k = j + 1;
        const s = k < n ? sql.charCodeAt(k) : -1;
        if (s === 43 || s === 45) k++;
        if (k < n && isDigit(sql.charCodeAt(k))) {
          while (k < n && isDigit(sql.charCodeAt(k))) k++;
          j = k;
        }
      }
      i = j;
      tokens.push({ kind: "number", value: sql.slice(start, i), start, end: i });
      continue;
    }
    if (isWordStart(c)) {
      let j = i + 1;
      while (j < n && isWordPart(sql.charCodeAt(j))) j++;
      i = j;
      tokens.push({ kind: "word", value: sql.slice(start, i).toLowerCase(), start, end: i });
      continue;
    }
    if (c === 64 || c === 63 || (c === 58 && isWordStart(next))) {
      let j = i + 1;
      while (j < n && sql.charCodeAt(j) === 64) j++;
      while (j < n && (isWordPart(sql.charCodeAt(j)) || sql.charCodeAt(j) === 46)) j++;
      i = j;
      tokens.push({ kind: "variable", value: sql.slice(start, i).toLowerCase(), start, end: i });
      continue;
    }
    const two = sql.slice(i, i + 2);
    if (TWO_CHAR_OPS.has(two)) {
      i += 2;
      tokens.push({ kind: "op", value: two, start, end: i });
      continue;
    }
    i++;
    tokens.push({ kind: "op", value: sql[start] ?? "", start, end: i });
  }
  return tokens;
}

function readQuoted(
  sql: string,
  open: number,
  quote: number,
  tokens: Token[],
  kind: "string" | "quoted",
  start = open,
): number {
  const n = sql.length;
  let j = open + 1;
  let value = "";
  let from = j;
  while (j < n) {
    const c = sql.charCodeAt(j);
    if (c === quote) {
      if (j + 1 < n && sql.charCodeAt(j + 1) === quote) {
        value += sql.slice(from, j + 1);
        j += 2;
        from = j;
        continue;
      }
      value += sql.slice(from, j);
      tokens.push({ kind, value, start, end: j + 1 });
      return j + 1;
    }
    j++;
  }
  value += sql.slice(from, n);
  tokens.push({ kind, value, start, end: n, unterminated: true });
  return n;
}

/** 1-based line and column of a character offset. */
export function positionOf(sql: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(offset, sql.length);
  for (let i = 0; i < end; i++) {
    if (sql.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: end - lineStart + 1 };
}

const isIdentChar = (c: number): boolean => isWordPart(c);

/** Where `word` first occurs in `sql` as a whole word, case-insensitively; for findings' line and column. */
export function findWord(sql: string, word: string): { line: number; column: number } | undefined {
  if (word.length === 0) return undefined;
  const haystack = sql.toLowerCase();
  const needle = word.toLowerCase();
  let from = 0;
  for (;;) {
    const at = haystack.indexOf(needle, from);
    if (at < 0) return undefined;
    const before = at > 0 ? haystack.charCodeAt(at - 1) : 32;
    const after = at + needle.length < haystack.length ? haystack.charCodeAt(at + needle.length) : 32;
    if (!isIdentChar(before) && !isIdentChar(after)) return positionOf(sql, at);
    from = at + 1;
  }
}
