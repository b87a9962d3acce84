/**
 * Spider's gold SQL is written for SQLite. These rules rewrite the SQLite habits that DuckDB rejects or reads
 * differently, so that the gold query runs on the same converted data as the model's query:
 *
 * - `double-quoted-string`: SQLite reads `"France"` as a string when no column has that name; DuckDB reads an
 *   identifier. Spider never quotes identifiers with double quotes, so every one becomes `'France'`.
 * - `like-nocase`: SQLite's LIKE ignores ASCII case; DuckDB's does not, so LIKE becomes ILIKE.
 * - `bare-column`: SQLite lets a SELECT/ORDER BY name a column that is neither grouped nor aggregated and takes
 *   it from the row of the single min()/max() aggregate when there is one, else from any row of the group.
 *   DuckDB refuses such columns, so they become `arg_max(col, expr)` / `arg_min(col, expr)` or `any_value(col)`.
 * - `join-without-on`: SQLite reads `a JOIN b` with no ON/USING as a cross join; DuckDB needs `CROSS JOIN`.
 * - `keyword-name`: a table named like a DuckDB-only keyword (`FROM SHOW`) is quoted.
 *
 * The rewrite works on tokens and on parenthesis depth, which is enough for Spider's flat query shapes; a
 * query it cannot rewrite is left to fail on DuckDB, and the harness then takes the gold rows from SQLite.
 */

import { quotedString } from "../../core/sql-text.js";

/** The gold query as DuckDB should run it, with the names of the rules that changed it. */
export interface Translation {
  readonly sql: string;
  readonly rules: readonly string[];
}

type TokenKind = "space" | "string" | "quoted" | "word" | "number" | "punct";

interface Token {
  kind: TokenKind;
  text: string;
}

const TOKEN_PATTERNS: readonly [TokenKind, RegExp][] = [
  ["space", /\s+/y],
  ["string", /'(?:[^']|'')*'/y],
  ["quoted", /"(?:[^"]|"")*"/y],
  ["quoted", /`[^`]*`/y],
  ["number", /\d+(?:\.\d*)?(?:e[+-]?\d+)?/iy],
  ["word", /[A-Za-z_][A-Za-z0-9_$]*/y],
  ["punct", /<>|!=|>=|<=|\|\||::|./y],
];

function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  while (at < sql.length) {
    for (const [kind, pattern] of TOKEN_PATTERNS) {
      pattern.lastIndex = at;
      const match = pattern.exec(sql);
      if (match) {
        tokens.push({ kind, text: match[0] });
        at += match[0].length;
        break;
      }
    }
  }
  return tokens;
}

const AGGREGATES = new Set(["count", "sum", "avg", "min", "max", "group_concat", "total"]);
/** Words DuckDB reserves that SQLite accepts as table names. */
const DUCKDB_KEYWORDS = new Set(["show", "pivot", "unpivot", "qualify", "summarize", "describe"]);
const CLAUSE_ENDS = new Set(["from", "where", "group", "having", "order", "limit", "union", "intersect", "except"]);

function isWord(token: Token | undefined, word: string): boolean {
  return token?.kind === "word" && token.text.toLowerCase() === word;
}

/** Converts a double-quoted SQLite string to a single-quoted one. */
function singleQuoted(text: string): string {
  const inner = text.slice(1, -1).replaceAll('""', '"');
  return quotedString(inner);
}

/** One SELECT block at one parenthesis depth: where its clauses start, as indexes into the significant tokens. */
interface Block {
  readonly start: number;
  readonly end: number;
}

/**
 * Works on the significant (non-space) tokens; `depth[i]` is the parenthesis depth of token i. A block is a
 * SELECT keyword up to the next set operator, closing parenthesis or end at the same depth.
 */
class BareColumnRewriter {
  private readonly depth: number[] = [];

  constructor(private readonly tokens: Token[]) {
    let level = 0;
    for (const token of tokens) {
      if (token.text === ")") level--;
      this.depth.push(level);
      if (token.text === "(") level++;
    }
  }

  /** Rewrites every SELECT block; returns whether anything changed. */
  rewrite(): boolean {
    let changed = false;
    this.tokens.forEach((token, i) => {
      if (isWord(token, "select")) changed = this.rewriteBlock(this.blockFrom(i)) || changed;
    });
    return changed;
  }

  private blockFrom(start: number): Block {
    const level = this.depth[start] ?? 0;
    let end = start + 1;
    while (end < this.tokens.length) {
      const token = this.tokens[end] as Token;
      const here = this.depth[end] ?? 0;
      if (here < level) break;
      if (here === level && ["union", "intersect", "except"].some((w) => isWord(token, w))) break;
      end++;
    }
    return { start, end };
  }

  /** Index of the first token of `keyword` at the block's own depth, or -1. */
  private clause(block: Block, keyword: string): number {
    const level = this.depth[block.start] ?? 0;
    for (let i = block.start + 1; i < block.end; i++) {
      if (this.depth[i] === level && isWord(this.tokens[i], keyword)) return i;
    }
    return -1;
  }

  /** The comma-separated items of a clause running from `from` up to the next clause keyword at this depth. */
  private items(block: Block, from: number): [number, number][] {
    const level = this.depth[block.start] ?? 0;
    const items: [number, number][] = [];
    let itemStart = from;
    let i = from;
    for (; i < block.end; i++) {
      const token = this.tokens[i] as Token;
      if (this.depth[i] !== level) continue;
      if (token.kind === "word" && CLAUSE_ENDS.has(token.text.toLowerCase())) break;
      if (token.text === ",") {
        items.push([itemStart, i]);
        itemStart = i + 1;
      }
    }
    if (i > itemStart) items.push([itemStart, i]);
    return items;
  }

  private text(from: number, to: number): string {
    return this.tokens.slice(from, to).map((t) => t.text).join(" ").toLowerCase();
  }

  /** A plain column reference (`name` or `alias.name`) between from and to, ignoring a trailing `AS x` / `ASC`. */
  private columnRef(from: number, to: number): [number, number] | undefined {
    let end = to;
    const last = this.tokens[end - 1];
    if (isWord(last, "asc") || isWord(last, "desc")) end--;
    if (end - from >= 2 && isWord(this.tokens[end - 2], "as")) end -= 2;
    const parts = this.tokens.slice(from, end);
    const isName = (t: Token | undefined): boolean => t?.kind === "word" && !CLAUSE_ENDS.has(t.text.toLowerCase()) && t.text.toLowerCase() !== "distinct";
    if (parts.length === 1 && isName(parts[0])) return [from, end];
    if (parts.length === 3 && isName(parts[0]) && parts[1]?.text === "." && isName(parts[2])) return [from, end];
    return undefined;
  }

  /** The first min()/max() call at this block's depth in the select list: its function and argument text. */
  private minMax(block: Block, from: number, to: number): { fn: "arg_min" | "arg_max"; argument: string } | undefined {
    const level = this.depth[block.start] ?? 0;
    for (let i = from; i < to; i++) {
      const token = this.tokens[i] as Token;
      if (this.depth[i] !== level || !(isWord(token, "min") || isWord(token, "max")) || this.tokens[i + 1]?.text !== "(") continue;
      let close = i + 2;
      while (close < to && !(this.tokens[close]?.text === ")" && this.depth[close] === level)) close++;
      return { fn: isWord(token, "min") ? "arg_min" : "arg_max", argument: this.tokens.slice(i + 2, close).map((t) => t.text).join(" ") };
    }
    return undefined;
  }

  private hasAggregate(from: number, to: number): boolean {
    for (let i = from; i < to; i++) {
      const token = this.tokens[i] as Token;
      if (token.kind === "word" && AGGREGATES.has(token.text.toLowerCase()) && this.tokens[i + 1]?.text === "(") return true;
    }
    return false;
  }

  private rewriteBlock(block: Block): boolean {
    const from = this.clause(block, "from");
    const group = this.clause(block, "group");
    let selectStart = block.start + 1;
    if (isWord(this.tokens[selectStart], "distinct")) selectStart++;
    const selectItems = this.items(block, selectStart);
    const selectEnd = from === -1 ? block.end : from;
    const grouped = group !== -1;
    if (!grouped && !this.hasAggregate(selectStart, selectEnd)) return false;

    const keys = grouped ? this.items(block, group + 2).map(([a, b]) => this.text(a, b)) : [];
    const keyNames = new Set(keys.map((k) => k.split(" . ").pop() ?? k));
    const selectAliases = new Set<string>();
    for (const [a, b] of selectItems) {
      if (b - a >= 3 && isWord(this.tokens[b - 2], "as")) selectAliases.add(this.text(b - 1, b));
    }
    const isKey = (ref: string): boolean => keys.includes(ref) || keyNames.has(ref.split(" . ").pop() ?? ref) || selectAliases.has(ref);
    const pick = this.minMax(block, selectStart, selectEnd);
    const wrap = ([a, b]: [number, number]): void => {
      const first = this.tokens[a] as Token;
      const last = this.tokens[b - 1] as Token;
      first.text = `${pick ? pick.fn : "any_value"}(${first.text}`;
      last.text = pick ? `${last.text}, ${pick.argument})` : `${last.text})`;
    };

    const bare: [number, number][] = [];
    for (const [a, b] of selectItems) {
      const ref = this.columnRef(a, b);
      if (ref && !isKey(this.text(ref[0], ref[1]))) bare.push(ref);
    }
    const order = this.clause(block, "order");
    if (order !== -1) {
      for (const [a, b] of this.items(block, order + 2)) {
        const ref = this.columnRef(a, b);
        if (ref && !isKey(this.text(ref[0], ref[1]))) bare.push(ref);
      }
    }
    bare.forEach(wrap);
    return bare.length > 0;
  }
}

/** Whether the JOIN at `at` has an ON or USING before the next clause, join or closing parenthesis at its depth. */
function hasJoinCondition(tokens: readonly Token[], at: number): boolean {
  let level = 0;
  for (let i = at + 1; i < tokens.length; i++) {
    const token = tokens[i] as Token;
    if (token.text === "(") level++;
    else if (token.text === ")" && --level < 0) return false;
    if (level !== 0) continue;
    if (isWord(token, "on") || isWord(token, "using")) return true;
    if (isWord(token, "join") || (token.kind === "word" && CLAUSE_ENDS.has(token.text.toLowerCase()))) return false;
  }
  return false;
}

/** Rewrites a Spider gold query from SQLite to DuckDB (see the rules above). */
export function translateSqliteToDuckdb(sql: string): Translation {
  const rules: string[] = [];
  const tokens = tokenize(sql.trim().replace(/;\s*$/, ""));
  for (const token of tokens) {
    if (token.kind === "quoted" && token.text.startsWith('"')) {
      token.kind = "string";
      token.text = singleQuoted(token.text);
      if (!rules.includes("double-quoted-string")) rules.push("double-quoted-string");
    } else if (isWord(token, "like")) {
      token.text = "ILIKE";
      if (!rules.includes("like-nocase")) rules.push("like-nocase");
    }
  }
  const significant = tokens.filter((t) => t.kind !== "space");
  significant.forEach((token, i) => {
    const previous = significant[i - 1];
    if (token.kind === "word" && DUCKDB_KEYWORDS.has(token.text.toLowerCase()) && (isWord(previous, "from") || isWord(previous, "join"))) {
      token.text = `"${token.text}"`;
      if (!rules.includes("keyword-name")) rules.push("keyword-name");
    }
    if (isWord(token, "join") && !["cross", "natural", "inner", "left", "right", "full", "outer"].some((w) => isWord(previous, w)) && !hasJoinCondition(significant, i)) {
      token.text = `CROSS ${token.text}`;
      if (!rules.includes("join-without-on")) rules.push("join-without-on");
    }
  });
  if (new BareColumnRewriter(significant).rewrite()) rules.push("bare-column");
  return { sql: tokens.map((t) => t.text).join(""), rules };
}
