/**
 * Edits of a query's parse tree, printed back to SQL: the answer shaping of `models/tidy.ts` reads and changes the
 * query through this typed view of node-sql-parser's tree (obtained from the one adapter, `checks/parser.ts`), never
 * through patterns over SQL text.
 */
import type { Dialect } from "../core/engine.js";
import { AGGREGATE_FUNCTIONS } from "../core/sql-functions.js";
import { looseTree } from "./parser.js";

type Loose = Record<string, unknown>;
const obj = (x: unknown): Loose | undefined =>
  typeof x === "object" && x !== null && !Array.isArray(x) ? (x as Loose) : undefined;
const arr = (x: unknown): readonly unknown[] => (Array.isArray(x) ? x : []);
const str = (x: unknown): string | undefined => (typeof x === "string" ? x : undefined);

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
  return Object.values(o).some((v) => hasSubquery(v));
}
