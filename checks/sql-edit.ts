/**
 * Edits of a query's parse tree, printed back to SQL: the answer shaping of `models/tidy.ts` reads and changes the
 * query through this typed view of node-sql-parser's tree (obtained from the one adapter, `checks/parser.ts`), never
 * through patterns over SQL text.
 */
import type { Dialect } from "../core/engine.js";
import type { RowWindow } from "../core/verdict.js";
import { AGGREGATE_FUNCTIONS } from "../core/sql-functions.js";
import { arr, obj, str, type Loose } from "./loose.js";
import { looseTree, looseTrees } from "./parser.js";


/** The subquery's name in window and count queries. */
const NESTED = "streamlink_page";

/**
 * `SELECT * FROM (query) AS streamlink_page [ORDER BY position … NULLS LAST] LIMIT … OFFSET …`: the query's own
 * tree grafted into the skeleton's, so the page query is printed by the grammar that read the query. Undefined when
 * no grammar of the dialect reads it.
 */
export async function windowQuery(sql: string, window: RowWindow, dialect: Dialect): Promise<string | undefined> {
  return nestedQuery(sql, `SELECT * FROM (SELECT 1) AS ${NESTED}`, dialect, (outer) => {
    const { sort, limit, offset } = window;
    // A position, not a name: two result columns may share a name, and a position needs no quoting.
    outer["orderby"] = sort ? [{ expr: { type: "number", value: sort.column + 1 }, type: sort.descending ? "DESC" : "ASC", nulls: "NULLS LAST" }] : null;
    outer["limit"] = { seperator: "offset", value: [{ type: "number", value: limit }, { type: "number", value: offset }] };
  });
}

/** `SELECT count(*) AS n FROM (query) AS streamlink_page`, built as {@link windowQuery} is. */
export function countQuery(sql: string, dialect: Dialect): Promise<string | undefined> {
  return nestedQuery(sql, `SELECT count(*) AS n FROM (SELECT 1) AS ${NESTED}`, dialect, () => undefined);
}

async function nestedQuery(sql: string, skeleton: string, dialect: Dialect, edit: (outer: Loose) => void): Promise<string | undefined> {
  const trees = await looseTrees([sql, skeleton], dialect);
  const [inner, outer] = (trees?.asts ?? []).map((ast) => obj(Array.isArray(ast) ? (ast.length === 1 ? ast[0] : undefined) : ast));
  const slot = obj(obj(arr(outer?.["from"])[0])?.["expr"]);
  if (!trees || !inner || !outer || !slot) return undefined;
  slot["ast"] = inner;
  edit(outer);
  return trees.print(outer);
}

/** One item of a select list. */
export interface SelectItem {
  readonly alias?: string;
  /** It calls an aggregate (outside a window): a measure of the groups, not a group. */
  readonly aggregate: boolean;
  /** Every name the item mentions (columns, functions, its alias), lower case. */
  readonly names: readonly string[];
}

/** A GROUP BY key. */
export interface GroupKey {
  /** `GROUP BY 1`, ROLLUP, CUBE or GROUPING SETS: the key is not an expression that can be selected. */
  readonly plain: boolean;
}

/**
 * One plain SELECT (no set operation, no WITH, no subquery, no DISTINCT) as an editable tree. Anything else is not
 * offered for editing: the caller leaves such a query as the model wrote it.
 */
export class EditableSelect {
  private constructor(private readonly ast: Loose, private readonly printer: (ast: unknown) => string) {}

  static async of(sql: string, dialect: Dialect): Promise<EditableSelect | undefined> {
    const tree = await looseTree(sql, dialect);
    const ast = obj(Array.isArray(tree?.ast) ? (tree.ast.length === 1 ? tree.ast[0] : undefined) : tree?.ast);
    if (!tree || !ast || ast["type"] !== "select" || ast["_next"] || obj(ast["with"]) || arr(ast["with"]).length > 0) return undefined;
    if (str(obj(ast["distinct"])?.["type"]) !== undefined || hasSubquery(ast, true)) return undefined;
    if (!Array.isArray(ast["columns"])) return undefined;
    return new EditableSelect(ast, tree.print);
  }

  get items(): SelectItem[] {
    return arr(this.ast["columns"]).map((c) => {
      const alias = aliasOf(c);
      return { ...(alias !== undefined ? { alias } : {}), aggregate: callsAggregate(obj(c)?.["expr"]), names: [...namesIn(c), ...(alias ? [alias.toLowerCase()] : [])] };
    });
  }

  get groupKeys(): GroupKey[] {
    return this.keyNodes().map((k) => ({ plain: k["type"] !== "number" && !["rollup", "cube", "grouping sets"].includes(functionName(k) ?? "") }));
  }

  get ordered(): boolean {
    return arr(this.ast["orderby"]).length > 0;
  }

  /** Puts the GROUP BY keys first in the select list. */
  selectGroupKeys(): void {
    const keys = this.keyNodes().map((k) => ({ type: "expr", expr: structuredClone(k), as: null }));
    this.ast["columns"] = [...keys, ...arr(this.ast["columns"])];
  }

  /** Orders by select items (by alias when they have one), each ascending or descending. */
  orderBy(order: readonly { readonly item: number; readonly descending: boolean }[]): void {
    const columns = arr(this.ast["columns"]);
    this.ast["orderby"] = order.map(({ item, descending }) => {
      const alias = aliasOf(columns[item]);
      const expr = alias !== undefined ? { type: "column_ref", table: null, column: { expr: { type: "default", value: alias } } } : structuredClone(obj(columns[item])?.["expr"]);
      return { expr, type: descending ? "DESC" : "ASC" };
    });
  }

  print(): string {
    return this.printer(this.ast);
  }

  private keyNodes(): Loose[] {
    const group = obj(this.ast["groupby"]);
    return arr(group?.["columns"] ?? this.ast["groupby"]).map(obj).filter((k): k is Loose => k !== undefined);
  }
}

function aliasOf(column: unknown): string | undefined {
  const as = obj(column)?.["as"];
  return str(as) ?? str(obj(as)?.["value"]);
}

function functionName(node: Loose): string | undefined {
  const name = node["name"];
  if (typeof name === "string") return name.toLowerCase();
  const parts = arr(obj(name)?.["name"]).map((p) => str(obj(p)?.["value"]) ?? "");
  return parts.length > 0 ? parts.join(".").toLowerCase() : undefined;
}

/** True when the node calls an aggregate outside a window (`count(*) OVER ()` is not one). */
function callsAggregate(node: unknown): boolean {
  const o = obj(node);
  if (Array.isArray(node)) return node.some(callsAggregate);
  if (!o) return false;
  const windowed = o["over"] !== undefined && o["over"] !== null;
  if (!windowed && (o["type"] === "aggr_func" || (o["type"] === "function" && AGGREGATE_FUNCTIONS.has(functionName(o) ?? "")))) return true;
  return Object.values(o).some(callsAggregate);
}

/** Column and function names a node mentions, lower case. */
function namesIn(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(namesIn);
  const o = obj(node);
  if (!o) return [];
  const own = o["type"] === "column_ref" ? [str(obj(obj(o["column"])?.["expr"])?.["value"]) ?? str(o["column"]) ?? ""]
    : o["type"] === "function" || o["type"] === "aggr_func" ? [functionName(o) ?? ""] : [];
  return [...own.filter((n) => n !== "").map((n) => n.toLowerCase()), ...Object.values(o).flatMap(namesIn)];
}

/** A SELECT anywhere below the root (a subquery in FROM, WHERE or the select list). */
function hasSubquery(node: unknown, root = false): boolean {
  if (Array.isArray(node)) return node.some((n) => hasSubquery(n));
  const o = obj(node);
  if (!o) return false;
  if (!root && o["type"] === "select") return true;
  // A set operation's next branch is not a subquery of this one.
  return Object.entries(o).some(([key, v]) => !(root && key === "_next") && hasSubquery(v));
}

/** A table a block reads (FROM or JOIN), with the alias the query gave it. */
export interface SourceRef {
  readonly table: string;
  readonly alias?: string;
  /** The alias, else the table's name, as the query writes it before a column. */
  readonly spelled: string;
}

/** A column the query names, with the qualifier it wrote (`t1` of `t1.name`); the setters edit the tree. */
export interface ColumnUse {
  readonly qualifier?: string;
  readonly name: string;
  setQualifier(qualifier: string): void;
  setName(name: string): void;
}

/** `column <op> 'text'` or `column BETWEEN 'a' AND 'b'`. */
export interface TextComparison {
  readonly column: ColumnUse;
  readonly texts: readonly string[];
  /** Compares the column's year with the texts as numbers: `year(column) > 2009`. */
  compareYear(): void;
}

/** A join condition `a.x = b.y`, with the table the JOIN adds and the one before it. */
export interface JoinCondition {
  readonly left: ColumnUse;
  readonly right: ColumnUse;
  /** How the query wrote it: `ON T1.owner_id = T1.owner_id`. */
  readonly text: string;
  readonly joined: string;
  readonly partner: string | undefined;
}

/**
 * A query's parse tree for repairs: its SELECT blocks (the outer one, or one per branch of a set operation; with
 * `allBlocks`, subqueries too), each with the tables, columns and conditions it names and the edits a repair makes.
 */
export class EditableQuery {
  private constructor(private readonly ast: Loose, private readonly printer: (ast: unknown) => string) {}

  static async of(sql: string, dialect: Dialect): Promise<EditableQuery | undefined> {
    const tree = await looseTree(sql, dialect);
    const ast = obj(Array.isArray(tree?.ast) ? (tree.ast.length === 1 ? tree.ast[0] : undefined) : tree?.ast);
    if (!tree || !ast || ast["type"] !== "select") return undefined;
    return new EditableQuery(ast, tree.print);
  }

  /** A subquery or a WITH anywhere: some repairs leave such queries to the model. */
  get nested(): boolean {
    return obj(this.ast["with"]) !== undefined || arr(this.ast["with"]).length > 0 || this.outer().some((b) => hasSubquery(b, true));
  }

  get setOperation(): boolean {
    return obj(this.ast["_next"]) !== undefined;
  }

  /** The outer SELECT, or each branch of its set operation. */
  blocks(): QueryBlock[] {
    return this.outer().map((b) => new QueryBlock(b));
  }

  /** Every SELECT of the tree, subqueries and CTEs included. */
  allBlocks(): QueryBlock[] {
    const found: Loose[] = [];
    const visit = (node: unknown): void => {
      if (Array.isArray(node)) return node.forEach(visit);
      const o = obj(node);
      if (!o) return;
      if (o["type"] === "select") found.push(o);
      Object.entries(o).forEach(([key, value]) => { if (key !== "_next" || o["type"] !== "select") visit(value); });
      if (o["type"] === "select" && o["_next"]) visit(o["_next"]);
    };
    visit(this.ast);
    return found.map((b) => new QueryBlock(b));
  }

  /**
   * Date literals that name a year or a month (`DATE '2020'`, `DATE '2021-03'`), which DuckDB and Spark refuse,
   * completed to its first day: "since 2020" means from 2020-01-01. Says whether any literal changed.
   */
  completePartialDates(): boolean {
    let changed = false;
    const digits = (part: string, length: number) => part.length === length && [...part].every((c) => c >= "0" && c <= "9");
    const visit = (node: unknown): void => {
      if (Array.isArray(node)) return node.forEach(visit);
      const o = obj(node);
      if (!o) return;
      const value = o["value"];
      if (o["type"] === "date" && typeof value === "string") {
        const [year = "", month, ...rest] = value.trim().split("-");
        if (rest.length === 0 && digits(year, 4) && (month === undefined || digits(month, 2))) {
          o["value"] = `${year}-${month ?? "01"}-01`;
          changed = true;
        }
      }
      Object.values(o).forEach(visit);
    };
    visit(this.ast);
    return changed;
  }

  print(): string {
    return this.printer(this.ast);
  }

  private outer(): Loose[] {
    const blocks: Loose[] = [];
    for (let b: Loose | undefined = this.ast; b; b = obj(b["_next"])) blocks.push(b);
    return blocks;
  }
}

/** One SELECT of a query. Its columns and conditions are its own, not those of its subqueries. */
export class QueryBlock {
  constructor(private readonly ast: Loose) {}

  sources(): SourceRef[] {
    return arr(this.ast["from"]).flatMap((f) => {
      const o = obj(f);
      const table = str(o?.["table"]);
      if (!o || table === undefined) return [];
      const alias = str(o["as"]);
      return [{ table, ...(alias !== undefined ? { alias } : {}), spelled: alias ?? table }];
    });
  }

  columns(): ColumnUse[] {
    const uses: ColumnUse[] = [];
    walkOwn(this.ast, (node) => {
      if (node["type"] === "column_ref") {
        const use = columnUse(node);
        if (use) uses.push(use);
      }
    });
    return uses;
  }

  comparisons(): TextComparison[] {
    const found: TextComparison[] = [];
    walkOwn(this.ast, (node) => {
      if (node["type"] !== "binary_expr") return;
      const operator = str(node["operator"])?.toUpperCase() ?? "";
      const left = obj(node["left"]);
      const column = left?.["type"] === "column_ref" ? columnUse(left) : undefined;
      const right = obj(node["right"]);
      const literals = operator === "BETWEEN" ? arr(right?.["value"]).map(obj) : [right];
      const texts = literals.map((l) => (l && isString(l) ? str(l["value"]) : undefined));
      if (!left || !column || !["=", "<>", "!=", ">", "<", ">=", "<=", "BETWEEN"].includes(operator) || texts.some((t) => t === undefined)) return;
      found.push({
        column,
        texts: texts as string[],
        compareYear: () => {
          node["left"] = callNode("year", [left]);
          for (const literal of literals) if (literal) Object.assign(literal, { type: "number", value: Number(literal["value"]) });
        },
      });
    });
    return found;
  }

  joinConditions(): JoinCondition[] {
    const from = arr(this.ast["from"]).map(obj);
    return from.flatMap((f, i) => {
      const on = obj(f?.["on"]);
      const left = obj(on?.["left"]);
      const right = obj(on?.["right"]);
      const l = left?.["type"] === "column_ref" ? columnUse(left) : undefined;
      const r = right?.["type"] === "column_ref" ? columnUse(right) : undefined;
      const joined = str(f?.["table"]);
      if (on?.["operator"] !== "=" || !l || !r || joined === undefined) return [];
      const text = `ON ${[l, r].map((c) => `${c.qualifier !== undefined ? `${c.qualifier}.` : ""}${c.name}`).join(" = ")}`;
      return [{ left: l, right: r, text, joined, partner: str(from[i - 1]?.["table"]) }];
    });
  }

  /** The select items that are a bare column. */
  selectedColumns(): ColumnUse[] {
    return arr(this.ast["columns"]).flatMap((c) => {
      const expr = obj(obj(c)?.["expr"]);
      const use = expr?.["type"] === "column_ref" ? columnUse(expr) : undefined;
      return use ? [use] : [];
    });
  }

  get grouped(): boolean {
    return obj(this.ast["groupby"]) !== undefined && arr(obj(this.ast["groupby"])?.["columns"] ?? this.ast["groupby"]).length > 0;
  }

  get ordered(): boolean {
    return arr(this.ast["orderby"]).length > 0;
  }

  /** Gives the `index`-th table source (as `sources()` lists them) an alias. */
  setAlias(index: number, alias: string): void {
    const tables = arr(this.ast["from"]).map(obj).filter((f): f is Loose => str(f?.["table"]) !== undefined);
    const source = tables[index];
    if (source) source["as"] = alias;
  }

  /** `JOIN table AS alias ON alias.column = partner.partnerColumn`, after the block's last join. */
  addJoin(table: string, alias: string, column: string, partner: string, partnerColumn: string): void {
    const on = { type: "binary_expr", operator: "=", left: columnNode(alias, column), right: columnNode(partner, partnerColumn) };
    this.ast["from"] = [...arr(this.ast["from"]), { db: null, table, as: alias, join: "INNER JOIN", on }];
  }

  /**
   * Defines `alias` as `fn(column)` in the select list: the item that names `alias` as a bare column becomes
   * `fn(column) AS alias`; without one, the definition comes first.
   */
  defineAs(fn: string, column: string, alias: string): void {
    const definition = { type: "expr", expr: callNode(fn, [columnNode(undefined, column)]), as: alias };
    const columns = arr(this.ast["columns"]);
    const at = columns.findIndex((c) => {
      const expr = obj(obj(c)?.["expr"]);
      const use = expr?.["type"] === "column_ref" ? columnUse(expr) : undefined;
      return use !== undefined && use.qualifier === undefined && use.name.toLowerCase() === alias.toLowerCase() && aliasOf(c) === undefined;
    });
    this.ast["columns"] = at < 0 ? [definition, ...columns] : columns.map((c, i) => (i === at ? definition : c));
  }

  /** GROUP BY the select item `column` (as the query wrote it). */
  groupBy(column: ColumnUse): void {
    this.ast["groupby"] = { columns: [columnNode(column.qualifier, column.name)] };
  }

  dropOrderBy(): void {
    this.ast["orderby"] = null;
  }
}

function isString(node: Loose): boolean {
  return node["type"] === "single_quote_string" || node["type"] === "string";
}

function columnNode(qualifier: string | undefined, name: string): Loose {
  return { type: "column_ref", table: qualifier ?? null, column: { expr: { type: "default", value: name } } };
}

function callNode(name: string, args: unknown[]): Loose {
  return { type: "function", name: { name: [{ type: "default", value: name }] }, args: { type: "expr_list", value: args } };
}

/** A column_ref node as a ColumnUse (both the PostgreSQL grammar's `{expr:{value}}` and Hive's plain string). */
function columnUse(node: Loose): ColumnUse | undefined {
  const column = node["column"];
  const name = str(column) ?? str(obj(obj(column)?.["expr"])?.["value"]);
  if (name === undefined || name === "*") return undefined;
  const qualifier = str(node["table"]);
  return {
    ...(qualifier !== undefined ? { qualifier } : {}),
    name,
    setQualifier: (q) => { node["table"] = q; },
    setName: (n) => { node["column"] = typeof column === "string" ? n : { expr: { type: "default", value: n } }; },
  };
}

/** Visits the nodes of one SELECT block, not those of its subqueries or set-operation branches. */
function walkOwn(block: Loose, visit: (node: Loose) => void): void {
  const step = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(step);
    const o = obj(node);
    if (!o || (o !== block && o["type"] === "select")) return;
    visit(o);
    for (const [key, value] of Object.entries(o)) if (!(o === block && key === "_next")) step(value);
  };
  step(block);
}
