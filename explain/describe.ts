/**
 * Renders a query's shape (checks/shape.ts) as plain words. Every phrase comes from a part of the tree;
 * a part this renderer does not know becomes NOT_DESCRIBED, never a guess, and marks the result incomplete.
 */
import type { Expr, FromItem, OrderItem, QueryShape, SelectItem, SelectShape, SetOperator, SourceShape } from "../checks/index.js";
import type { QueryExplanation } from "../core/explain.js";

export const NOT_DESCRIBED = "(this part is not described)";

/** The sentence for a whole query; `complete` is false when any part fell back to {@link NOT_DESCRIBED}. */
export function describeShape(shape: QueryShape): QueryExplanation {
  const writer = new Writer();
  const text = writer.query(shape);
  return { sentence: `${capitalise(text)}.`, complete: writer.complete };
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** "a", "a and b", "a, b and c". */
function listOf(parts: readonly string[], last = "and"): string {
  if (parts.length <= 1) return parts[0] ?? "";
  return `${parts.slice(0, -1).join(", ")} ${last} ${parts.at(-1)}`;
}

const SIMPLE_AGGREGATES: Readonly<Record<string, string>> = {
  sum: "the total of",
  avg: "the average of",
  mean: "the average of",
  min: "the smallest",
  max: "the largest",
  median: "the median of",
};

/** Parts of a date a function or EXTRACT takes. */
const DATE_PARTS = new Set(["year", "month", "day", "quarter", "week", "hour", "minute", "dayofweek", "dayofyear"]);

const WINDOW_FUNCTIONS: Readonly<Record<string, string>> = {
  row_number: "the row number",
  rank: "the rank",
  dense_rank: "the rank (without gaps)",
  percent_rank: "the percent rank",
  ntile: "the tile number",
};

const COMPARISON_WORDS: Readonly<Record<string, readonly [plain: string, date: string]>> = {
  "=": ["is", "is"],
  "==": ["is", "is"],
  "<>": ["is not", "is not"],
  "!=": ["is not", "is not"],
  ">": ["is greater than", "is after"],
  ">=": ["is at least", "is on or after"],
  "<": ["is less than", "is before"],
  "<=": ["is at most", "is on or before"],
};

const ARITHMETIC = new Set(["+", "-", "*", "/", "%"]);

/** The lead of a set operation over `n` parts. */
const SET_OPERATIONS: Readonly<Record<Exclude<SetOperator, "other">, (n: number) => string>> = {
  union: (n) => `combines, without duplicates, the rows of ${n} parts`,
  "union all": (n) => `combines, keeping duplicates, the rows of ${n} parts`,
  intersect: (n) => (n === 2 ? "keeps the rows that both parts return" : `keeps the rows that all ${n} parts return`),
  except: (n) => (n === 2 ? "keeps the rows of part (1) that part (2) does not return" : "keeps the rows of part (1) that none of the later parts return"),
};

/** One step of a chain of set operations, read left to right. */
const CHAINED: Readonly<Record<"union" | "union all" | "except", (part: number) => string>> = {
  union: (k) => `adds those of part (${k}) without duplicates`,
  "union all": (k) => `adds those of part (${k}) keeping duplicates`,
  except: (k) => `removes those part (${k}) returns`,
};

/** How columns of one SELECT are named: plain, or `table.column` where two sources share the name. */
class Scope {
  private readonly tableOf = new Map<string, string>();
  private readonly ambiguous = new Set<string>();
  /** True when the block refers to an outer query's table: then its own columns are qualified too. */
  private readonly correlated: boolean = false;

  constructor(block: SelectShape, private readonly outer?: Scope) {
    const tables = block.from.flatMap((f) => (f.source.kind === "table" ? [f.source.name] : []));
    const selfJoin = new Set(tables).size < tables.length;
    for (const { source } of block.from) {
      if (source.kind !== "table") continue;
      // In a self-join the alias is the only name that tells the two sides apart.
      const shown = selfJoin ? (source.alias ?? source.name) : source.name;
      this.tableOf.set(source.alias ?? source.name, shown);
      this.tableOf.set(source.name, shown);
    }
    const refersOut = (e: Expr | undefined): boolean =>
      e !== undefined && ((e.kind === "column" && e.table !== undefined && !this.tableOf.has(e.table) && (outer?.knows(e.table) ?? false)) || children(e).some(refersOut));
    this.correlated = [block.where, ...block.items.map((i) => i.expr)].some(refersOut);
    if (block.from.length < 2) return;
    const qualifiers = new Map<string, Set<string>>();
    const visit = (e: Expr | undefined): void => {
      if (!e) return;
      if (e.kind === "column" && e.table) qualifiers.set(e.name, (qualifiers.get(e.name) ?? new Set()).add(this.tableOf.get(e.table) ?? e.table));
      for (const child of children(e)) visit(child);
    };
    for (const item of block.items) visit(item.expr);
    for (const f of block.from) visit(f.on);
    [block.where, block.having, ...block.groupBy].forEach(visit);
    for (const [name, set] of qualifiers) if (set.size > 1) this.ambiguous.add(name);
  }

  column(table: string | undefined, name: string, forceQualified = false): string {
    if (table === undefined) return name;
    // A correlated reference names the outer query's row, so it is always qualified.
    if (!this.tableOf.has(table) && this.outer?.knows(table)) return this.outer.column(table, name, true);
    if (!forceQualified && !this.ambiguous.has(name) && !this.correlated) return name;
    return `${this.tableOf.get(table) ?? table}.${name}`;
  }

  knows(table: string): boolean {
    return this.tableOf.has(table) || (this.outer?.knows(table) ?? false);
  }
}

function children(e: Expr): readonly Expr[] {
  switch (e.kind) {
    case "binary":
      return [e.left, e.right];
    case "unary":
    case "cast":
    case "extract":
      return [e.arg];
    case "list":
      return e.items;
    case "call":
      return [...e.args, ...(e.filter ? [e.filter] : [])];
    default:
      return [];
  }
}

function isAggregate(e: Expr): boolean {
  if (e.kind === "call" && e.aggregate && !e.over) return true;
  return children(e).some(isAggregate);
}

function looksLikeDate(e: Expr): boolean {
  if (e.kind === "literal") return e.type === "date" || (e.type === "string" && /^\d{4}-\d{2}-\d{2}/.test(e.value));
  if (e.kind === "cast") return e.type.startsWith("date") || e.type.startsWith("timestamp");
  return false;
}

class Writer {
  complete = true;
  /** The scope of the block being written, so a nested query can name the outer row's columns. */
  private current: Scope | undefined;
  /** Whether the block being written has GROUP BY: a window then runs over its groups. */
  private grouped = false;

  private unknown(): string {
    this.complete = false;
    return NOT_DESCRIBED;
  }

  query(q: QueryShape): string {
    const ctes = q.ctes.map((c) => `first defines ${c.name} as: ${this.query(c.query)}; then `).join("");
    const firstScope = q.blocks[0] ? new Scope(q.blocks[0], this.current) : undefined;
    let body: string;
    if (q.blocks.length === 1 && q.blocks[0] && firstScope) {
      body = this.block(q.blocks[0], firstScope);
    } else {
      const parts = q.blocks.map((b, i) => `(${i + 1}) ${this.block(b, new Scope(b, this.current))}`);
      const ops = new Set(q.setOps);
      const [op] = [...ops];
      const lead = ops.size === 1 && op !== undefined && op !== "other" ? SET_OPERATIONS[op](parts.length) : this.chain(q.setOps);
      body = `${lead}: ${parts.join("; ")}`;
    }
    const order = this.ordering(q, q.blocks.length === 1 ? q.blocks[0] : undefined, firstScope);
    return `${ctes}${body}${order}`;
  }

  /**
   * Mixed UNION and EXCEPT read left to right (they bind alike); INTERSECT binds tighter, so a mix with it is
   * not described rather than read in the wrong order.
   */
  private chain(ops: readonly SetOperator[]): string {
    const steps = ops.map((op, i) => (op === "other" || op === "intersect" ? undefined : CHAINED[op](i + 2)));
    if (steps.some((s) => s === undefined)) return this.unknown();
    return `takes the rows of part (1), ${steps.join(", then ")}`;
  }

  private block(b: SelectShape, scope: Scope): string {
    const [outer, outerGrouped] = [this.current, this.grouped];
    this.current = scope;
    this.grouped = b.groupBy.length > 0;
    try {
      return this.blockText(b, scope);
    } finally {
      this.current = outer;
      this.grouped = outerGrouped;
    }
  }

  private blockText(b: SelectShape, scope: Scope): string {
    const source = this.sources(b.from, scope);
    const from = source === "" ? "" : ` from ${source}`;
    const grouped = b.groupBy.length > 0;
    const aggregated = grouped || b.items.some((i) => isAggregate(i.expr));
    let lead: string;
    if (aggregated) {
      const keys = b.groupBy.map((g) => this.groupKey(g, b.items, scope));
      const measures = b.items.filter((item) => !b.groupBy.some((g) => sameExpr(g, item.expr) || (g.kind === "column" && !g.table && g.name === item.alias)));
      const count = measures.length === 1 && measures[0] ? countOnly(measures[0].expr) : undefined;
      const per = grouped ? ` per ${listOf(keys)}` : "";
      if (measures.length === 0) {
        lead = `lists each different ${listOf(keys)}${from}`;
      } else if (count !== undefined) {
        lead = `counts ${count === "" ? "rows" : `distinct ${this.value(count, scope)}`}${per}${from}`;
      } else {
        const shown = listOf(measures.map((m) => this.value(m.expr, scope)));
        lead = grouped ? `shows ${shown || "each group"}${per}, over rows${from}` : `finds ${shown} over rows${from}`;
      }
    } else {
      const star = b.items.length === 1 && b.items[0]?.expr.kind === "star";
      const shown = star ? "every column" : listOf(b.items.map((i) => this.value(i.expr, scope)));
      lead = b.distinct ? `lists each different ${shown}${from}` : `lists ${shown}${from}`;
      if (source === "") lead = `computes ${shown}`;
    }
    const where = b.where ? `, where ${this.condition(b.where, scope)}` : "";
    const having = b.having ? `, keeping only groups where ${this.condition(b.having, scope)}` : "";
    return `${lead}${where}${having}`;
  }

  /** A group key, with what its name stands for when it is an alias of a computed column. */
  private groupKey(g: Expr, items: readonly SelectItem[], scope: Scope): string {
    if (g.kind === "literal" && g.type === "number") {
      const item = items[Number(g.value) - 1];
      return item ? this.value(item.expr, scope) : this.unknown();
    }
    const name = g.kind === "column" && !g.table ? g.name : undefined;
    const aliased = name === undefined ? undefined : items.find((i) => i.alias === name && i.expr.kind !== "column");
    if (!aliased) return this.value(g, scope);
    const what = this.value(aliased.expr, scope);
    return what === NOT_DESCRIBED ? `${name} ${what}` : `${name} (${what})`;
  }

  private sources(from: readonly FromItem[], scope: Scope): string {
    let text = "";
    for (const item of from) {
      const name = this.source(item.source);
      switch (item.join) {
        case "first":
          text = name;
          break;
        case "comma":
          text += ` combined with ${name}`;
          break;
        case "cross":
          text += ` paired with every row of ${name}`;
          break;
        case "inner":
        case "left":
        case "right":
        case "full": {
          const keep = { inner: "", left: `, keeping rows of ${text} without a match`, right: `, keeping rows of ${name} without a match`, full: ", keeping rows of both without a match" }[item.join];
          text += ` joined with ${name}${this.joinCondition(item, scope)}${keep}`;
          break;
        }
        default:
          text += ` ${this.unknown()} ${name}`;
      }
    }
    return text;
  }

  private joinCondition(item: FromItem, scope: Scope): string {
    if (item.using) return ` on the same ${listOf(item.using)}`;
    const on = item.on;
    if (!on) return "";
    if (on.kind === "binary" && on.op === "=") {
      const { left, right } = on;
      if (left.kind === "column" && right.kind === "column" && left.name === right.name) return ` on the same ${left.name}`;
    }
    return ` (${this.condition(on, scope, true)})`;
  }

  private source(source: SourceShape): string {
    if (source.kind === "table") return source.name;
    if (source.kind === "subquery") return `the result of ${this.bracket(source.query)}`;
    return this.unknown();
  }

  /** What EXISTS looks for: "row in patent_cpc where …", or a bracketed query when it is not a plain filter. */
  private rowOf(q: QueryShape): string {
    const [b] = q.blocks;
    if (q.blocks.length !== 1 || !b || b.groupBy.length > 0 || b.having || q.ctes.length > 0 || q.limit !== undefined) return `row that ${this.bracket(q)}`;
    const scope = new Scope(b, this.current);
    const outer = this.current;
    this.current = scope;
    try {
      return `row in ${this.sources(b.from, scope)}${b.where ? ` where ${this.condition(b.where, scope)}` : ""}`;
    } finally {
      this.current = outer;
    }
  }

  /** A nested query as a clause inside brackets: "[lists … from …]". */
  private bracket(q: QueryShape): string {
    return `[${this.query(q)}]`;
  }

  private ordering(q: QueryShape, block: SelectShape | undefined, scope: Scope | undefined): string {
    const keys = q.orderBy.map((o) => this.orderKey(o, block, scope));
    const sorted = keys.length > 0 ? `sorted by ${keys.join(", then by ")}` : "";
    const skip = q.offset ? ` after skipping the first ${q.offset}` : "";
    if (q.limit !== undefined) {
      const rows = q.limit === 1 ? "the first row" : `the first ${q.limit} rows`;
      return sorted ? `; ${sorted}, keeping ${rows}${skip}` : `; keeping ${q.limit === 1 ? "one row" : `${q.limit} rows`}${skip}, in no set order`;
    }
    return sorted ? `; ${sorted}${skip}` : skip ? `;${skip}` : "";
  }

  private orderKey(o: OrderItem, block: SelectShape | undefined, scope: Scope | undefined): string {
    const direction = descending(o);
    const e = o.expr;
    if (e.kind === "literal" && e.type === "number" && block) {
      const item = block.items[Number(e.value) - 1];
      return item ? `${this.value(item.expr, scope)}${direction}` : this.unknown();
    }
    // An alias of an aggregate reads as what it computes ("the number of rows"); other names stay as written.
    const name = e.kind === "column" && !e.table ? e.name : undefined;
    const aliased = name === undefined ? undefined : block?.items.find((i) => i.alias === name && isAggregate(i.expr));
    return `${this.value(aliased ? aliased.expr : e, scope)}${direction}`;
  }

  /** A noun phrase for a value. */
  value(e: Expr | undefined, scope: Scope | undefined): string {
    if (!e) return this.unknown();
    switch (e.kind) {
      case "column":
        return scope ? scope.column(e.table, e.name) : e.name;
      case "star":
        return e.table ? `every column of ${e.table}` : "every column";
      case "literal":
        return e.type === "string" ? `'${e.value}'` : e.type === "null" ? "nothing" : e.value;
      case "call":
        return this.call(e, scope);
      case "binary":
        if (ARITHMETIC.has(e.op)) return `${this.value(e.left, scope)} ${e.op} ${this.value(e.right, scope)}`;
        if (e.op === "||") return `${this.value(e.left, scope)} followed by ${this.value(e.right, scope)}`;
        return `whether ${this.condition(e, scope)}`;
      case "unary":
        return e.op === "-" ? `minus ${this.value(e.arg, scope)}` : `whether ${this.condition(e, scope)}`;
      case "cast":
        return this.value(e.arg, scope);
      case "extract":
        return DATE_PARTS.has(e.field) ? `the ${e.field} of ${this.value(e.arg, scope)}` : this.unknown();
      case "subquery":
        return `the value that ${this.bracket(e.query)}`;
      default:
        return this.unknown();
    }
  }

  private call(e: Extract<Expr, { kind: "call" }>, scope: Scope | undefined): string {
    const [first, second] = e.args;
    const filter = e.filter ? ` for which ${this.condition(e.filter, scope)}` : "";
    let phrase: string;
    if (e.name === "count") {
      const what = !first || first.kind === "star" ? "rows" : e.distinct ? `distinct ${this.value(first, scope)}` : `rows with a ${this.value(first, scope)}`;
      phrase = `the number of ${what}${filter}`;
    } else if (SIMPLE_AGGREGATES[e.name] && e.args.length === 1) {
      const what = this.value(first, scope);
      // "the largest of the year of grant_date", but "the largest grant_date".
      const of = first?.kind === "column" || SIMPLE_AGGREGATES[e.name]?.endsWith(" of") ? "" : " of";
      phrase = `${SIMPLE_AGGREGATES[e.name]}${of} ${e.distinct ? "distinct " : ""}${what}${filter}`;
    } else if (WINDOW_FUNCTIONS[e.name] && e.over) {
      phrase = WINDOW_FUNCTIONS[e.name] ?? this.unknown();
    } else if (DATE_PARTS.has(e.name) && e.args.length === 1) {
      phrase = `the ${e.name} of ${this.value(first, scope)}`;
    } else if ((e.name === "lower" || e.name === "upper" || e.name === "trim") && first) {
      phrase = this.value(first, scope);
    } else if (e.name === "round" && first) {
      const places = second?.kind === "literal" ? ` to ${second.value} decimal${second.value === "1" ? "" : "s"}` : "";
      phrase = `${this.value(first, scope)}, rounded${places}`;
    } else if ((e.name === "length" || e.name === "char_length") && first) {
      phrase = `the length of ${this.value(first, scope)}`;
    } else if (e.name === "coalesce" && first && second) {
      phrase = `${this.value(first, scope)} (${this.value(second, scope)} where it is empty)`;
    } else {
      return this.unknown();
    }
    if (!e.over) return phrase;
    const order = e.over.orderBy.map((o) => `${this.value(o.expr, scope)}${descending(o)}`);
    const partition = e.over.partitionBy.map((p) => this.value(p, scope));
    const within = partition.length > 0 ? ` within each ${listOf(partition)}` : order.length > 0 ? "" : ` across all ${this.grouped ? "groups" : "rows"}`;
    return `${phrase}${order.length > 0 ? ` by ${listOf(order)}` : ""}${within}`;
  }

  /** A clause that is true or false: "assignee contains 'intel' (any case)". */
  condition(e: Expr, scope: Scope | undefined, qualify = false): string {
    const v = (x: Expr): string => (qualify && x.kind === "column" && scope ? scope.column(x.table, x.name, true) : this.value(x, scope));
    if (e.kind === "unary") {
      if (e.op === "NOT") return `it is not true that ${this.condition(e.arg, scope)}`;
      if ((e.op === "EXISTS" || e.op === "NOT EXISTS") && e.arg.kind === "subquery") {
        return `${e.op === "EXISTS" ? "there is a" : "there is no"} ${this.rowOf(e.arg.query)}`;
      }
      return this.unknown();
    }
    if (e.kind === "column") return `${v(e)} is true`;
    if (e.kind !== "binary") return this.unknown();
    const { op, left, right } = e;
    if (op === "AND") return `${this.condition(left, scope, qualify)} and ${this.condition(right, scope, qualify)}`;
    if (op === "OR") return `(${listOf(disjuncts(e).map((d) => this.condition(d, scope, qualify)), "or")})`;
    const words = COMPARISON_WORDS[op];
    if (qualify && op === "=" && left.kind === "column" && right.kind === "column") return `${v(left)} matches ${v(right)}`;
    if (words) {
      const dated = looksLikeDate(right) || looksLikeDate(left);
      return `${v(left)} ${dated ? words[1] : words[0]} ${v(right)}`;
    }
    if (op === "IS" || op === "IS NOT") {
      const empty = right.kind === "literal" && right.type === "null";
      if (empty) return `${v(left)} ${op === "IS" ? "is empty" : "is not empty"}`;
      return `${v(left)} ${op === "IS" ? "is" : "is not"} ${v(right)}`;
    }
    if (op === "BETWEEN" || op === "NOT BETWEEN") {
      const [low, high] = right.kind === "list" ? right.items : [];
      if (!low || !high) return this.unknown();
      return `${v(left)} is ${op === "BETWEEN" ? "" : "not "}between ${v(low)} and ${v(high)}`;
    }
    if (op === "IN" || op === "NOT IN") {
      const not = op === "NOT IN" ? "not " : "";
      const only = right.kind === "list" && right.items.length === 1 ? right.items[0] : right;
      if (only?.kind === "subquery") return `${v(left)} is ${not}among the values that ${this.bracket(only.query)}`;
      if (right.kind === "list") return `${v(left)} is ${not}one of ${listOf(right.items.map(v), "or")}`;
      return this.unknown();
    }
    const like = /^(NOT )?(I?LIKE)$/.exec(op);
    if (like && right.kind === "literal" && right.type === "string") {
      const pattern = patternWords(right.value);
      const anyCase = like[2] === "ILIKE" ? " (any case)" : "";
      return `${v(left)} ${like[1] ? pattern.negated : pattern.plain}${anyCase}`;
    }
    return this.unknown();
  }
}

/** `%intel%` → contains 'intel'; `a%` → starts with 'a'; other patterns are quoted as patterns. */
function patternWords(pattern: string): { plain: string; negated: string } {
  const inner = pattern.replace(/^%/, "").replace(/%$/, "");
  const starts = pattern.startsWith("%");
  const ends = pattern.endsWith("%") && pattern.length > 1;
  if (/[%_]/.test(inner)) return { plain: `matches the pattern '${pattern}'`, negated: `does not match the pattern '${pattern}'` };
  if (starts && ends) return { plain: `contains '${inner}'`, negated: `does not contain '${inner}'` };
  if (ends) return { plain: `starts with '${inner}'`, negated: `does not start with '${inner}'` };
  if (starts) return { plain: `ends with '${inner}'`, negated: `does not end with '${inner}'` };
  return { plain: `is '${inner}'`, negated: `is not '${inner}'` };
}

/** For `count(*)` returns "", for `count(DISTINCT x)` returns x; undefined for any other measure. */
function countOnly(e: Expr): "" | Expr | undefined {
  if (e.kind !== "call" || e.name !== "count" || e.filter || e.over) return undefined;
  const [arg] = e.args;
  if (!arg || arg.kind === "star") return "";
  return e.distinct ? arg : undefined;
}

/** " (highest first)", or " (latest first)" for a column named as a date or a year; "" when ascending. */
function descending(o: OrderItem): string {
  if (!o.descending) return "";
  const dated = o.expr.kind === "column" && /date|year|time/.test(o.expr.name);
  return dated ? " (latest first)" : " (highest first)";
}

function disjuncts(e: Expr): Expr[] {
  return e.kind === "binary" && e.op === "OR" ? [...disjuncts(e.left), ...disjuncts(e.right)] : [e];
}

function sameExpr(a: Expr, b: Expr): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** One condition in words, outside any query (the empty-result note names the filters it tried). */
export function describeCondition(e: Expr): string {
  return new Writer().condition(e, undefined);
}
