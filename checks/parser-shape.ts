/**
 * The second half of the node-sql-parser adapter (checks/parser.ts imports the library and hands its
 * AST here): reads one SELECT statement's loose AST into our typed {@link QueryShape}. A form this reader
 * does not know becomes `{kind: "other"}`, never a guess, so the explainer can say it does not describe it.
 */
import type {
  Expr,
  FromItem,
  JoinKind,
  OrderItem,
  QueryShape,
  SelectItem,
  SelectShape,
  SetOperator,
  ShapeOutcome,
  SourceShape,
  WindowSpec,
} from "./shape.js";
import { arr, obj, str, type Loose } from "./loose.js";


const STRINGS = new Set(["single_quote_string", "string", "natural_string", "escape_string", "dollar_quote_string"]);
/** Quoted names the grammars read as identifiers, and Spark's grammars as strings. */
const QUOTED_NAMES = new Set(["double_quote_string", "backticks_quote_string"]);
const DATE_TYPES = new Set(["date", "timestamp", "time", "datetime"]);
const SET_OPERATORS: Readonly<Record<string, SetOperator>> = {
  union: "union",
  "union all": "union all",
  intersect: "intersect",
  except: "except",
  minus: "except",
};

/**
 * Reads the AST of one statement; anything but a single SELECT is not a shape. `doubleQuotedStrings`: the
 * grammar read for Spark, where `"x"` is a string; in DuckDB's (PostgreSQL's) it names a column.
 */
export function readShape(ast: unknown, doubleQuotedStrings: boolean): ShapeOutcome {
  const statements = Array.isArray(ast) ? ast : [ast];
  if (statements.length !== 1) return { ok: false, reason: `${statements.length} statements` };
  const root = obj(statements[0]);
  if (str(root?.["type"])?.toLowerCase() !== "select" || !root) return { ok: false, reason: "not a SELECT statement" };
  return { ok: true, shape: new Reader(doubleQuotedStrings).query(root) };
}

class Reader {
  constructor(private readonly stringQuotes: boolean) {}

  query(node: Loose): QueryShape {
    const ctes = arr(node["with"]).flatMap((w) => {
      const cte = obj(w) ?? {};
      const name = str(obj(cte["name"])?.["value"]) ?? str(cte["name"]);
      const stmt = obj(obj(cte["stmt"])?.["ast"]) ?? obj(cte["stmt"]);
      return name && stmt ? [{ name: name.toLowerCase(), query: this.query(stmt) }] : [];
    });
    const blocks: SelectShape[] = [];
    const setOps: SetOperator[] = [];
    let last: Loose = node;
    for (let current: Loose | undefined = node; current; current = obj(current["_next"])) {
      blocks.push(this.block(current));
      last = current;
      const op = str(current["set_op"]);
      if (obj(current["_next"])) setOps.push(SET_OPERATORS[op?.toLowerCase() ?? ""] ?? "other");
    }
    // A set operation's ORDER BY and LIMIT are parsed onto its last branch but apply to the combined rows.
    const { limit, offset } = limits(last["limit"]);
    return { ctes, blocks, setOps, orderBy: this.orderBy(last["orderby"]), limit, offset };
  }

  private orderBy(node: unknown): OrderItem[] {
    return arr(node).map((o) => ({ expr: this.expr(obj(o)?.["expr"]), descending: str(obj(o)?.["type"])?.toUpperCase() === "DESC" }));
  }

  private block(node: Loose): SelectShape {
    const columns = node["columns"];
    const items: SelectItem[] =
      columns === "*"
        ? [{ expr: { kind: "star" } }]
        : arr(columns).map((c) => {
            const item = obj(c) ?? {};
            const alias = str(item["as"]) ?? str(obj(item["as"])?.["value"]);
            return { expr: this.expr(item["expr"]), ...(alias ? { alias: alias.toLowerCase() } : {}) };
          });
    const groupNode = node["groupby"];
    const distinct = str(obj(node["distinct"])?.["type"])?.toUpperCase() === "DISTINCT" || str(node["distinct"])?.toUpperCase() === "DISTINCT";
    return {
      distinct,
      items,
      from: arr(node["from"]).map((f, i) => this.fromItem(obj(f) ?? {}, i)),
      ...(node["where"] ? { where: this.expr(node["where"]) } : {}),
      groupBy: arr(obj(groupNode)?.["columns"] ?? groupNode).map((e) => this.expr(e)),
      ...(node["having"] ? { having: this.expr(node["having"]) } : {}),
    };
  }

  private fromItem(f: Loose, index: number): FromItem {
    const alias = (str(f["as"]) ?? str(obj(f["as"])?.["value"]))?.toLowerCase();
    const table = str(f["table"]);
    const inner = obj(obj(f["expr"])?.["ast"]);
    const source: SourceShape = table
      ? { kind: "table", name: table.toLowerCase(), ...(alias ? { alias } : {}) }
      : inner && str(inner["type"]) === "select"
        ? { kind: "subquery", query: this.query(inner), ...(alias ? { alias } : {}) }
        : { kind: "other", ...(alias ? { alias } : {}) };
    const using = arr(f["using"]).map((u) => (str(u) ?? str(obj(u)?.["value"]) ?? "").toLowerCase());
    return {
      source,
      join: index === 0 ? "first" : joinKind(str(f["join"])),
      ...(f["on"] ? { on: this.expr(f["on"]) } : {}),
      ...(using.length > 0 ? { using } : {}),
    };
  }

  private windowSpec(over: unknown): WindowSpec | undefined {
    const spec = obj(obj(obj(over)?.["as_window_specification"])?.["window_specification"]);
    if (!spec) return undefined;
    return {
      partitionBy: arr(spec["partitionby"]).map((p) => this.expr(obj(p)?.["expr"] ?? p)),
      orderBy: this.orderBy(spec["orderby"]),
    };
  }

  private expr(x: unknown): Expr {
    const n = obj(x);
    if (!n) return { kind: "other", what: "nothing" };
    const inner = obj(n["ast"]);
    if (inner) return str(inner["type"]) === "select" ? { kind: "subquery", query: this.query(inner) } : { kind: "other", what: "statement" };
    const type = str(n["type"]) ?? "";
    if (type === "select") return { kind: "subquery", query: this.query(n) };
    if (type === "column_ref") {
      const table = (str(n["table"]) ?? str(obj(n["table"])?.["value"]))?.toLowerCase() || undefined;
      if (n["column"] === "*") return { kind: "star", ...(table ? { table } : {}) };
      const name = columnName(n["column"]);
      return name === undefined ? { kind: "other", what: "column" } : { kind: "column", ...(table ? { table } : {}), name };
    }
    if (type === "star") return { kind: "star" };
    if (STRINGS.has(type)) return { kind: "literal", type: "string", value: String(n["value"]) };
    if (type === "double_quote_string" && this.stringQuotes) return { kind: "literal", type: "string", value: String(n["value"]) };
    if (QUOTED_NAMES.has(type)) return { kind: "column", name: String(n["value"]).toLowerCase() };
    if (type === "number") return { kind: "literal", type: "number", value: String(n["value"]) };
    if (type === "bool" || type === "boolean") return { kind: "literal", type: "boolean", value: String(n["value"]) };
    if (type === "null") return { kind: "literal", type: "null", value: "NULL" };
    if (DATE_TYPES.has(type)) return { kind: "literal", type: "date", value: String(n["value"]) };
    if (type === "expr_list") return { kind: "list", items: arr(n["value"]).map((e) => this.expr(e)) };
    if (type === "binary_expr") {
      return { kind: "binary", op: (str(n["operator"]) ?? "").toUpperCase(), left: this.expr(n["left"]), right: this.expr(n["right"]) };
    }
    if (type === "unary_expr") return { kind: "unary", op: (str(n["operator"]) ?? "").toUpperCase(), arg: this.expr(n["expr"]) };
    if (type === "cast") {
      const target = obj(arr(n["target"])[0]) ?? obj(n["target"]);
      return { kind: "cast", arg: this.expr(n["expr"]), type: (str(target?.["dataType"]) ?? "").toLowerCase() };
    }
    if (type === "extract") {
      const args = obj(n["args"]) ?? {};
      return { kind: "extract", field: (str(args["field"]) ?? "").toLowerCase(), arg: this.expr(args["source"]) };
    }
    // PostgreSQL's grammar reads `EXISTS (SELECT …)` inside FILTER as a call of a function named EXISTS.
    if (type === "function" && functionName(n["name"]) === "exists") {
      const [sub] = arr(obj(n["args"])?.["value"]);
      return { kind: "unary", op: "EXISTS", arg: this.expr(sub) };
    }
    if (type === "aggr_func" || type === "function" || type === "window_func") {
      const args = obj(n["args"]);
      const values = args?.["value"] !== undefined ? arr(args["value"]) : args?.["expr"] !== undefined ? [args["expr"]] : [];
      const filter = obj(obj(n["filter"])?.["where"]);
      const over = this.windowSpec(n["over"]);
      return {
        kind: "call",
        name: functionName(n["name"]),
        args: values.map((e) => this.expr(e)),
        aggregate: type === "aggr_func",
        distinct: str(args?.["distinct"])?.toUpperCase() === "DISTINCT",
        ...(filter ? { filter: this.expr(filter) } : {}),
        ...(over ? { over } : {}),
      };
    }
    return { kind: "other", what: type || "expression" };
  }
}

function limits(node: unknown): { limit?: number; offset?: number } {
  const values = arr(obj(node)?.["value"]).map((v) => Number(obj(v)?.["value"]));
  const separator = str(obj(node)?.["seperator"]);
  if (values.length === 0 || values.some((v) => !Number.isFinite(v))) return {};
  // MySQL's `LIMIT offset, count` puts the offset first; `LIMIT count OFFSET offset` puts it second.
  if (values.length === 2) return separator === "," ? { offset: values[0], limit: values[1] } : { limit: values[0], offset: values[1] };
  return { limit: values[0] };
}

function joinKind(join: string | undefined): JoinKind {
  const j = join?.toUpperCase();
  if (!j) return "comma";
  if (j.includes("CROSS")) return "cross";
  if (j.includes("LEFT")) return "left";
  if (j.includes("RIGHT")) return "right";
  if (j.includes("FULL")) return "full";
  if (j === "JOIN" || j === "INNER JOIN") return "inner";
  return "other";
}

function functionName(name: unknown): string {
  if (typeof name === "string") return name.toLowerCase();
  return arr(obj(name)?.["name"])
    .map((p) => str(obj(p)?.["value"]) ?? "")
    .join(".")
    .toLowerCase();
}

function columnName(column: unknown): string | undefined {
  return (str(column) ?? str(obj(obj(column)?.["expr"])?.["value"]) ?? str(obj(column)?.["value"]))?.toLowerCase();
}

