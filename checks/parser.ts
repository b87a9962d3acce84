/**
 * The one adapter around node-sql-parser. Its AST is loosely typed and differs between its dialect
 * grammars; here it becomes our typed tree (checks/tree.ts) and nothing else in StreamLink sees it.
 *
 * node-sql-parser has no DuckDB or Spark grammar: DuckDB is read with the PostgreSQL grammar (DuckDB's
 * own parser descends from PostgreSQL's, so comments, quoting and strings agree), Spark with the Hive
 * grammar. What these grammars reject goes to the engine's own parser (checks/index.ts).
 */
import type { Dialect } from "../core/engine.js";
import { findWord } from "./lexer.js";
import { readShape } from "./parser-shape.js";
import type { ShapeOutcome } from "./shape.js";
import { ExpressionCollector } from "./tree.js";
import type {
  ColumnRef,
  CommonTableExpression,
  JoinInfo,
  ParsedSql,
  Position,
  QualifiedName,
  Query,
  SelectBlock,
  Source,
  Statement,
  StatementKind,
} from "./tree.js";
import { arr, num, obj, str, type Loose } from "./loose.js";

/** A parse that failed, with where. */
export interface ParseFailure {
  readonly ok: false;
  readonly message: string;
  readonly position?: Position;
  /** What the grammar would have accepted at that point, for the hint. */
  readonly expected: readonly string[];
  /** Set when the parse was not finished but stopped by a bound: the text is refused for its size, not its syntax. */
  readonly limit?: "length" | "depth" | "deadline" | "memory";
}

/** A parse asked of the worker thread (checks/parse-worker.ts) and its answer. */
export interface ParseRequest {
  readonly id: number;
  readonly sql: string;
  readonly dialect: Dialect;
}
export interface ParseReply {
  readonly id: number;
  readonly outcome: ParseOutcome;
}

/**
 * parseSql, with the stack overflow of a very long chain (`a OR b OR …` 10,000 times: both the grammar and
 * the tree walk recurse per term) turned into a refusal instead of a thrown RangeError.
 */
export async function parseGuarded(sql: string, dialect: Dialect): Promise<ParseOutcome> {
  try {
    return await parseSql(sql, dialect);
  } catch (error) {
    if (error instanceof RangeError) return { ok: false, message: "the expression is nested or chained too deeply to parse", expected: [], limit: "depth" };
    throw error;
  }
}

export type ParseOutcome = { readonly ok: true; readonly tree: ParsedSql } | ParseFailure;

interface LooseParser {
  astify(sql: string, options: { database: string; parseOptions?: { includeLocations?: boolean } }): unknown;
  sqlify(ast: unknown, options: { database: string }): string;
}

/** How node-sql-parser reads one engine dialect's SQL. */
interface DialectReading {
  /** Grammars tried in order, nearest first; the first that reads the text (and passes `arrowIsLambda`) wins. */
  readonly grammars: readonly GrammarName[];
  /**
   * `->` is only the lambda arrow here (Spark: `transform(xs, x -> x * 2)`), never MySQL's JSON operator. A grammar
   * that reads it as an operator has misread the text (the lambda's parameters become columns, its body is split
   * at the first `*`), so the next grammar is asked; Trino's reads lambdas as Spark does.
   */
  readonly arrowIsLambda: boolean;
}

/**
 * For Spark, Hive's grammar reads most analytic SQL; MySQL's adds what Hive lacks (derived tables without aliases,
 * `"` strings as Spark reads them) and Trino's some expression forms and lambdas. A grammar that reads `#` as a
 * comment sees no less than Spark, which rejects `#` and so runs nothing. DuckDB's `->` is also its JSON operator.
 */
const READINGS: Readonly<Record<Dialect, DialectReading>> = {
  duckdb: { grammars: ["postgresql"], arrowIsLambda: false },
  spark: { grammars: ["hive", "mysql", "trino"], arrowIsLambda: true },
};

type GrammarName = "postgresql" | "hive" | "mysql" | "trino";

const IMPORTS: Readonly<Record<GrammarName, () => Promise<unknown>>> = {
  postgresql: () => import("node-sql-parser/build/postgresql.js"),
  hive: () => import("node-sql-parser/build/hive.js"),
  mysql: () => import("node-sql-parser/build/mysql.js"),
  trino: () => import("node-sql-parser/build/trino.js"),
};

const loaded = new Map<GrammarName, Promise<LooseParser>>();

async function grammar(name: GrammarName): Promise<LooseParser> {
  let parser = loaded.get(name);
  if (!parser) {
    // Each grammar is a megabyte of generated code: load only the ones a session uses.
    parser = (async () => {
      const mod = await IMPORTS[name]();
      const ctor = (mod as { default?: { Parser?: new () => LooseParser } }).default?.Parser;
      if (!ctor) throw new Error(`node-sql-parser grammar ${name} has no Parser export`);
      return new ctor();
    })();
    loaded.set(name, parser);
  }
  return parser;
}

/** Parses with the grammars for `dialect`; the first that accepts wins, else the first failure is reported. */
export async function parseSql(sql: string, dialect: Dialect): Promise<ParseOutcome> {
  const parsed = await astify(sql, dialect);
  return parsed.ok ? { ok: true, tree: convert(sql, parsed.ast, `node-sql-parser/${parsed.grammar}`) } : parsed;
}

/** The whole shape of one SELECT (every expression), for the explainer; the same grammars as {@link parseSql}. */
export async function parseShape(sql: string, dialect: Dialect): Promise<ShapeOutcome> {
  const parsed = await astify(sql, dialect);
  return parsed.ok ? readShape(parsed.ast, parsed.grammar !== "postgresql") : { ok: false, reason: parsed.message };
}

async function astify(sql: string, dialect: Dialect): Promise<{ readonly ok: true; readonly ast: unknown; readonly grammar: GrammarName } | ParseFailure> {
  const reading = READINGS[dialect];
  let firstFailure: ParseFailure | undefined;
  for (const name of reading.grammars) {
    const parser = await grammar(name);
    let ast: unknown;
    try {
      ast = parser.astify(sql, { database: name });
    } catch (error) {
      if (error instanceof RangeError) throw error;
      firstFailure ??= failureOf(error);
      continue;
    }
    if (reading.arrowIsLambda && arrowOperator(ast)) {
      firstFailure ??= { ok: false, message: 'cannot read "->" as a lambda', expected: [] };
      continue;
    }
    return { ok: true, ast, grammar: name };
  }
  return firstFailure ?? { ok: false, message: "no grammar for this dialect", expected: [] };
}

/** True when the tree holds `->` as a binary operator (a grammar that does not know lambdas read one). */
function arrowOperator(node: unknown): boolean {
  if (Array.isArray(node)) return node.some(arrowOperator);
  const n = obj(node);
  if (!n) return false;
  if (n["type"] === "binary_expr" && n["operator"] === "->") return true;
  return Object.entries(n).some(([key, value]) => key !== "loc" && typeof value === "object" && value !== null && arrowOperator(value));
}

/**
 * node-sql-parser's own tree of `sql` with the grammar that read it, for edits that are printed back to SQL
 * (`checks/sql-edit.ts`); undefined when no grammar of the dialect reads it.
 */
export async function looseTree(sql: string, dialect: Dialect): Promise<{ readonly ast: unknown; print(ast: unknown): string } | undefined> {
  const trees = await looseTrees([sql], dialect);
  return trees && { ast: trees.asts[0], print: trees.print };
}

/**
 * The trees of several statements read by one grammar (the first of the dialect that reads them all, with the
 * dialect's reading of `->`), so that one tree can be grafted into another and printed by that grammar; undefined
 * when no grammar reads every one.
 */
export async function looseTrees(sqls: readonly string[], dialect: Dialect): Promise<{ readonly asts: readonly unknown[]; print(ast: unknown): string } | undefined> {
  const reading = READINGS[dialect];
  for (const name of reading.grammars) {
    const parser = await grammar(name);
    try {
      const asts = sqls.map((sql) => parser.astify(sql, { database: name }));
      if (reading.arrowIsLambda && asts.some(arrowOperator)) continue;
      return { asts, print: (edited) => parser.sqlify(edited, { database: name }) };
    } catch {
      continue;
    }
  }
  return undefined;
}

function failureOf(error: unknown): ParseFailure {
  const e = obj(error);
  const loc = obj(obj(e?.["location"])?.["start"]);
  const line = num(loc?.["line"]);
  const column = num(loc?.["column"]);
  const found = e?.["found"];
  const expected = arr(e?.["expected"])
    .map((x) => str(obj(x)?.["text"]) ?? str(obj(x)?.["description"]))
    .filter((x): x is string => x !== undefined && /^"?[A-Za-z(),;*=]/.test(x))
    .map((x) => x.replace(/^"|"$/g, ""));
  const what =
    typeof found === "string" ? `unexpected "${found}"` : found === null ? "unexpected end of input" : "cannot parse";
  return {
    ok: false,
    message: what,
    position: line !== undefined && column !== undefined ? { line, column } : undefined,
    expected: [...new Set(expected)].slice(0, 8),
  };
}

// ---------------------------------------------------------------------------------------------
// From here on node-sql-parser's loose shapes are read (with checks/loose.ts), here and in checks/parser-shape.ts.

const STATEMENT_KINDS: Readonly<Record<string, StatementKind>> = {
  select: "select",
  insert: "insert",
  replace: "insert",
  update: "update",
  delete: "delete",
  merge: "merge",
  create: "create",
  drop: "drop",
  alter: "alter",
  truncate: "truncate",
  rename: "alter",
  use: "use",
  set: "set",
  show: "show",
  desc: "describe",
  describe: "describe",
  explain: "explain",
  call: "call",
  exec: "call",
  grant: "grant",
  revoke: "grant",
  transaction: "transaction",
  lock: "other",
  unlock: "other",
  load_data: "load",
  declare: "set",
};

const STRING_TYPES = new Set([
  "single_quote_string",
  "string",
  "natural_string",
  "escape_string",
  "dollar_quote_string",
  "regex_string",
]);
const QUOTED_IDENT = new Set(["double_quote_string", "backticks_quote_string"]);
const COMPARISONS = new Set(["=", "==", "<>", "!=", "<", ">", "<=", ">=", "IS", "IS NOT", "IN", "NOT IN", "LIKE", "ILIKE", "NOT LIKE", "BETWEEN"]);

class Converter {
  readonly literals: string[] = [];
  constructor(private readonly sql: string) {}

  statement(node: unknown): Statement {
    const n = obj(node) ?? {};
    const type = (str(n["type"]) ?? "other").toLowerCase();
    const kind = STATEMENT_KINDS[type] ?? "other";
    const keyword = type.toUpperCase();
    if (kind === "select") return { kind, keyword: "SELECT", query: this.query(n), targets: [] };
    return { kind, keyword, targets: this.targets(n), position: this.where(keyword.split("_")[0] ?? keyword) };
  }

  private targets(n: Loose): QualifiedName[] {
    const out: QualifiedName[] = [];
    for (const key of ["table", "name", "from"]) {
      const value = n[key];
      for (const item of Array.isArray(value) ? value : [value]) {
        const t = obj(item);
        const table = str(t?.["table"]);
        if (table) out.push(this.qualified(str(t?.["db"]), table, false));
      }
    }
    return out;
  }

  query(node: Loose): Query {
    const ctes = arr(node["with"]).map((w) => this.cte(obj(w) ?? {}));
    const recursive = arr(node["with"]).some((w) => obj(w)?.["recursive"] === true) || node["recursive"] === true;
    const blocks: SelectBlock[] = [];
    let hasLimit = false;
    let current: Loose | undefined = node;
    while (current) {
      blocks.push(this.block(current));
      if (this.limited(current)) hasLimit = true;
      current = obj(current["_next"]);
    }
    return { ctes, recursive, blocks, hasLimit };
  }

  private limited(n: Loose): boolean {
    const limit = n["limit"];
    if (obj(limit)) return arr(obj(limit)?.["value"]).length > 0;
    return limit !== null && limit !== undefined;
  }

  private cte(w: Loose): CommonTableExpression {
    const name = (str(obj(w["name"])?.["value"]) ?? str(w["name"]) ?? "").toLowerCase();
    const columns = arr(w["columns"])
      .map((c) => this.identName(c))
      .filter((c): c is string => c !== undefined);
    const body = this.unwrapStatement(w["stmt"]);
    const type = (str(body?.["type"]) ?? "other").toLowerCase();
    const bodyKind = STATEMENT_KINDS[type] ?? "other";
    return {
      name,
      columns: columns.length > 0 ? columns : undefined,
      query: body && bodyKind === "select" ? this.query(body) : undefined,
      bodyKind,
    };
  }

  private unwrapStatement(x: unknown): Loose | undefined {
    const o = obj(x);
    if (!o) return undefined;
    if (obj(o["ast"])) return obj(o["ast"]);
    return o;
  }

  private block(n: Loose): SelectBlock {
    const sources: Source[] = [];
    const joins: JoinInfo[] = [];
    const acc = new ExpressionCollector();
    for (const item of arr(n["from"])) {
      const f = obj(item);
      if (!f) continue;
      sources.push(this.source(f, acc));
      joins.push(this.joinOf(f));
      if (f["on"]) {
        // Every column the ON condition names links its source, whatever the operator (`=`, `st_intersects(…)`).
        const on = new ExpressionCollector();
        this.expr(f["on"], on);
        acc.absorb(on);
        acc.predicates.push({ left: on.columns, right: [] });
      }
    }
    const outputs: string[] = [];
    const aliases: string[] = [];
    const columnsNode = n["columns"];
    let aggregates = false;
    if (columnsNode === "*") outputs.push("*");
    for (const c of arr(columnsNode)) {
      const col = obj(c) ?? {};
      const alias = this.aliasName(col["as"]);
      const expr = obj(col["expr"]);
      if (alias) {
        outputs.push(alias);
        aliases.push(alias);
      } else if (str(expr?.["type"]) === "column_ref") outputs.push(this.columnRef(expr ?? {}).name);
      if (str(expr?.["type"]) === "aggr_func") aggregates = true;
      this.expr(col["expr"], acc);
    }
    for (const key of ["where", "having", "qualify"]) this.expr(n[key], acc);
    const groupby = n["groupby"];
    this.expr(obj(groupby)?.["columns"] ?? groupby, acc);
    for (const o of arr(n["orderby"])) this.expr(obj(o)?.["expr"], acc);
    this.expr(n["window"], acc);
    const intoNode = obj(n["into"]);
    const into = intoNode && (intoNode["expr"] || intoNode["position"]) ? this.intoName(intoNode) : undefined;
    const hasGroup = groupby !== null && groupby !== undefined && arr(obj(groupby)?.["columns"] ?? groupby).length > 0;
    return {
      sources,
      joins,
      columns: acc.columns,
      outputs,
      aliases,
      functions: acc.functions,
      subqueries: acc.subqueries,
      predicates: acc.predicates,
      singleRow: aggregates && !hasGroup,
      into,
    };
  }

  private intoName(into: Loose): string {
    const expr = into["expr"];
    return str(expr) ?? str(obj(expr)?.["value"]) ?? str(obj(expr)?.["table"]) ?? "(target)";
  }

  private joinOf(f: Loose): JoinInfo {
    const join = str(f["join"])?.toUpperCase();
    const hasCondition = arr(f["using"]).length > 0;
    if (!join) return { type: "comma", hasCondition: false };
    if (join.includes("NATURAL")) return { type: "natural", hasCondition: true };
    if (join.includes("CROSS")) return { type: "cross", hasCondition };
    if (join.includes("LATERAL") || join.includes("APPLY")) return { type: "lateral", hasCondition: true };
    if (join.includes("SEMI") || join.includes("ANTI")) return { type: "semi", hasCondition };
    if (join.includes("LEFT") || join.includes("RIGHT") || join.includes("FULL") || join.includes("OUTER"))
      return { type: "outer", hasCondition };
    return { type: "inner", hasCondition };
  }

  private source(f: Loose, acc: ExpressionCollector): Source {
    const { alias, columnAliases } = this.splitAlias(f["as"]);
    const table = str(f["table"]);
    if (table !== undefined) {
      const name = this.qualified(str(f["db"]) ?? str(f["schema"]), table, false);
      return { kind: "table", name, alias, position: this.where(table) };
    }
    if (str(f["type"]) === "dual") return { kind: "opaque", alias };
    const expr = obj(f["expr"]);
    const inner = this.unwrapStatement(expr);
    if (inner && str(inner["type"]) === "select") return { kind: "subquery", query: this.query(inner), alias, columnAliases };
    const exprType = str(expr?.["type"]);
    if (expr && (exprType === "function" || exprType === "aggr_func")) {
      const sub = new ExpressionCollector();
      this.expr(expr, sub);
      acc.absorbArguments(sub);
      const call = sub.functions[0];
      if (call) return { kind: "function", call, alias };
    }
    this.expr(expr, acc);
    return { kind: "opaque", alias };
  }

  private splitAlias(as: unknown): { alias?: string; columnAliases?: string[] } {
    const raw = this.aliasName(as);
    if (!raw) return {};
    const open = raw.indexOf("(");
    if (open < 0) return { alias: raw };
    const cols = raw
      .slice(open + 1, raw.lastIndexOf(")"))
      .split(",")
      .map((c) => c.trim().replace(/^["`]|["`]$/g, "").toLowerCase())
      .filter((c) => c.length > 0);
    return { alias: raw.slice(0, open).trim(), columnAliases: cols };
  }

  private aliasName(as: unknown): string | undefined {
    const s = str(as) ?? str(obj(as)?.["value"]);
    return s?.toLowerCase();
  }

  private identName(x: unknown): string | undefined {
    const s = str(x) ?? str(obj(x)?.["value"]) ?? str(obj(obj(x)?.["expr"])?.["value"]);
    if (s) return s.toLowerCase();
    const col = obj(x)?.["column"];
    return col !== undefined ? this.identName(col) : undefined;
  }

  private qualified(db: string | undefined, table: string, quoted: boolean): QualifiedName {
    const parts = [...(db ? db.split(".") : []), table].map((p) => p.toLowerCase());
    return { parts, quoted };
  }

  private columnRef(n: Loose): ColumnRef {
    const tableNode = n["table"];
    const qualifier = (str(tableNode) ?? str(obj(tableNode)?.["value"]))?.toLowerCase();
    const column = n["column"];
    if (column === "*") return { qualifier, name: "*", quoted: false };
    const colExpr = obj(obj(column)?.["expr"]);
    const name = (str(colExpr?.["value"]) ?? str(column) ?? str(obj(column)?.["value"]) ?? "").toLowerCase();
    const quoted = QUOTED_IDENT.has(str(colExpr?.["type"]) ?? "");
    return { qualifier: qualifier || undefined, name, quoted, position: this.positionOf(n) };
  }

  private functionName(n: Loose): string {
    const name = n["name"];
    if (typeof name === "string") return name.toLowerCase();
    const parts = arr(obj(name)?.["name"])
      .map((p) => str(obj(p)?.["value"]))
      .filter((p): p is string => p !== undefined);
    const schema = str(obj(obj(name)?.["schema"])?.["value"]);
    return [...(schema ? [schema] : []), ...parts].join(".").toLowerCase();
  }

  private positionOf(n: Loose): Position | undefined {
    const start = obj(obj(n["loc"])?.["start"]);
    const line = num(start?.["line"]);
    const column = num(start?.["column"]);
    return line !== undefined && column !== undefined ? { line, column } : undefined;
  }

  private where(word: string): Position | undefined {
    return findWord(this.sql, word);
  }

  /** Walks any expression, collecting what the checks need; recursion is bounded by the parse tree's depth. */
  expr(x: unknown, acc: ExpressionCollector): void {
    if (Array.isArray(x)) {
      for (const item of x) this.expr(item, acc);
      return;
    }
    const n = obj(x);
    if (!n) return;
    const inner = obj(n["ast"]);
    if (inner) {
      acc.subqueries.push(this.query(inner));
      return;
    }
    const type = str(n["type"]);
    if (type === "select") {
      acc.subqueries.push(this.query(n));
      return;
    }
    if (type === "column_ref") {
      const ref = this.columnRef(n);
      acc.columns.push(ref);
      return;
    }
    if (type && STRING_TYPES.has(type)) {
      const value = str(n["value"]);
      if (value !== undefined) this.literals.push(value);
      return;
    }
    if (type === "var") {
      const prefix = str(n["prefix"]) ?? "";
      acc.functions.push({ name: `${prefix}${str(n["name"]) ?? ""}`.toLowerCase(), argCount: 0, args: [] });
      return;
    }
    if (type === "function" || type === "aggr_func") {
      const args = n["args"];
      const values = arr(obj(args)?.["value"]);
      acc.functions.push({
        name: this.functionName(n),
        argCount: values.length || (obj(args)?.["expr"] ? 1 : 0),
        args: values.map((v) => (str(obj(v)?.["type"]) === "number" ? num(obj(v)?.["value"]) : undefined)),
        position: this.positionOf(n),
      });
    }
    if (type === "lambda") {
      const parameters = arr(obj(n["args"])?.["value"]).map((p) => str(obj(p)?.["value"])?.toLowerCase()).filter((p): p is string => p !== undefined);
      const body = new ExpressionCollector();
      this.expr(n["expr"], body);
      acc.absorbLambda(new Set(parameters), body);
      return;
    }
    if (type === "binary_expr" && COMPARISONS.has((str(n["operator"]) ?? "").toUpperCase())) {
      const left = new ExpressionCollector();
      const right = new ExpressionCollector();
      this.expr(n["left"], left);
      this.expr(n["right"], right);
      acc.absorb(left);
      acc.absorb(right);
      acc.predicates.push({ left: left.columns, right: right.columns });
      return;
    }
    for (const [key, value] of Object.entries(n)) {
      if (key === "loc" || key === "tableList" || key === "columnList") continue;
      if (typeof value === "object" && value !== null) this.expr(value, acc);
    }
  }
}

function convert(sql: string, ast: unknown, parser: string): ParsedSql {
  const converter = new Converter(sql);
  const statements = (Array.isArray(ast) ? ast : [ast]).map((s) => converter.statement(s));
  return { statements, literals: converter.literals, parser };
}
