/**
 * Reads DuckDB's own parse tree (the JSON of `json_serialize_sql`) into our typed tree, so that what
 * node-sql-parser's PostgreSQL grammar cannot read (DuckDB-only syntax) still gets the full policy walk.
 * `json_serialize_sql` serialises SELECT statements only; anything else never gets a tree and is
 * refused by the caller (fail closed).
 */
import { AGGREGATE_FUNCTIONS } from "../core/sql-functions.js";
import { positionOf } from "./lexer.js";
import { ExpressionCollector } from "./tree.js";
import type {
  CommonTableExpression,
  JoinInfo,
  ParsedSql,
  Position,
  Query,
  SelectBlock,
  Source,
  Statement,
} from "./tree.js";
import { arr, obj, str, type Loose } from "./loose.js";


/** Returns our tree, or undefined when `tree` is not a DuckDB serialisation we can read. */
export function fromDuckDbTree(sql: string, tree: unknown): ParsedSql | undefined {
  const root = obj(tree);
  const statements = root ? root["statements"] : tree;
  if (!Array.isArray(statements) || (root && root["error"] === true)) return undefined;
  const reader = new Reader(sql);
  const out: Statement[] = [];
  for (const s of statements) {
    const node = obj(obj(s)?.["node"]);
    if (!node) return undefined;
    out.push({ kind: "select", keyword: "SELECT", query: reader.query(node), targets: [] });
  }
  return { statements: out, literals: reader.literals, parser: "duckdb/json_serialize_sql" };
}

class Reader {
  readonly literals: string[] = [];
  constructor(private readonly sql: string) {}

  private position(node: Loose): Position | undefined {
    const at = node["query_location"];
    return typeof at === "number" && at < this.sql.length ? positionOf(this.sql, at) : undefined;
  }

  query(node: Loose): Query {
    const ctes: CommonTableExpression[] = [];
    let recursive = false;
    for (const entry of arr(obj(node["cte_map"])?.["map"])) {
      const e = obj(entry);
      const value = obj(e?.["value"]);
      const body = obj(obj(value?.["query"])?.["node"]);
      const aliases = arr(value?.["aliases"]).map((a) => str(a)?.toLowerCase() ?? "");
      if (body && str(body["type"]) === "RECURSIVE_CTE_NODE") recursive = true;
      ctes.push({
        name: (str(e?.["key"]) ?? "").toLowerCase(),
        columns: aliases.length > 0 ? aliases : undefined,
        query: body ? this.query(body) : undefined,
        bodyKind: "select",
      });
    }
    const blocks: SelectBlock[] = [];
    const nested = this.collectBlocks(node, blocks);
    // SUMMARIZE/DESCRIBE return one row per column: bounded already, and DuckDB refuses a LIMIT after them.
    const described = str(obj(node["from_table"])?.["type"]) === "SHOW_REF";
    const hasLimit = described || arr(node["modifiers"]).some((m) => (str(obj(m)?.["type"]) ?? "").startsWith("LIMIT"));
    return { ctes, recursive: recursive || nested, blocks, hasLimit };
  }

  /** Flattens set operations into blocks; returns true when a recursive CTE node was met. */
  private collectBlocks(node: Loose, blocks: SelectBlock[]): boolean {
    const type = str(node["type"]);
    if (type === "SELECT_NODE") {
      blocks.push(this.block(node));
      return false;
    }
    let recursive = type === "RECURSIVE_CTE_NODE";
    for (const side of ["left", "right"]) {
      const child = obj(node[side]);
      if (child) recursive = this.collectBlocks(child, blocks) || recursive;
    }
    for (const child of arr(node["children"])) {
      const c = obj(child);
      if (c) recursive = this.collectBlocks(c, blocks) || recursive;
    }
    return recursive;
  }

  private block(node: Loose): SelectBlock {
    const acc = new ExpressionCollector();
    const sources: Source[] = [];
    const joins: JoinInfo[] = [];
    this.from(obj(node["from_table"]), sources, joins, acc, { type: "comma", hasCondition: false });
    const outputs: string[] = [];
    const aliases: string[] = [];
    let aggregates = false;
    for (const item of arr(node["select_list"])) {
      const e = obj(item) ?? {};
      const alias = str(e["alias"]);
      const cls = str(e["class"]);
      if (alias) {
        outputs.push(alias.toLowerCase());
        aliases.push(alias.toLowerCase());
      } else if (cls === "COLUMN_REF") outputs.push((str(arr(e["column_names"]).at(-1)) ?? "").toLowerCase());
      else if (cls === "STAR") outputs.push("*");
      if (cls === "FUNCTION" && AGGREGATE_FUNCTIONS.has((str(e["function_name"]) ?? "").toLowerCase())) aggregates = true;
      this.expr(e, acc);
    }
    for (const key of ["where_clause", "having", "qualify", "group_expressions"]) this.expr(node[key], acc);
    for (const m of arr(node["modifiers"])) this.expr(m, acc);
    return {
      sources,
      joins,
      columns: acc.columns,
      outputs,
      aliases,
      functions: acc.functions,
      subqueries: acc.subqueries,
      predicates: acc.predicates,
      singleRow: aggregates && arr(node["group_expressions"]).length === 0,
    };
  }

  private from(node: Loose | undefined, sources: Source[], joins: JoinInfo[], acc: ExpressionCollector, how: JoinInfo): void {
    if (!node) return;
    const type = str(node["type"]);
    const alias = str(node["alias"])?.toLowerCase() || undefined;
    switch (type) {
      case "EMPTY":
        return;
      case "JOIN": {
        this.from(obj(node["left"]), sources, joins, acc, how);
        const condition = node["condition"];
        if (condition) {
          // Every column the ON condition names links its source; `ON true` or `ON a.x = a.x` links nothing.
          const on = new ExpressionCollector();
          this.expr(condition, on);
          acc.absorb(on);
          acc.predicates.push({ left: on.columns, right: [] });
        }
        const ref = str(node["ref_type"]) ?? "REGULAR";
        const hasCondition = arr(node["using_columns"]).length > 0;
        const joinType = str(node["join_type"]) ?? "INNER";
        const info: JoinInfo =
          ref === "CROSS"
            ? { type: "cross", hasCondition }
            : ref === "NATURAL"
              ? { type: "natural", hasCondition: true }
              : ref === "DEPENDENT" || ref === "POSITIONAL"
                ? { type: "lateral", hasCondition: true }
                : joinType === "SEMI" || joinType === "ANTI"
                  ? { type: "semi", hasCondition }
                  : joinType === "INNER"
                    ? { type: "inner", hasCondition }
                    : { type: "outer", hasCondition };
        this.from(obj(node["right"]), sources, joins, acc, info);
        return;
      }
      case "BASE_TABLE": {
        const parts = [str(node["catalog_name"]), str(node["schema_name"]), str(node["table_name"])]
          .filter((p): p is string => p !== undefined && p.length > 0)
          .map((p) => p.toLowerCase());
        sources.push({ kind: "table", name: { parts, quoted: false }, alias, position: this.position(node) });
        break;
      }
      case "TABLE_FUNCTION": {
        const sub = new ExpressionCollector();
        this.expr(node["function"], sub);
        const call = sub.functions[0];
        acc.absorbArguments(sub);
        sources.push(call ? { kind: "function", call, alias } : { kind: "opaque", alias });
        break;
      }
      case "SUBQUERY": {
        const inner = obj(obj(node["subquery"])?.["node"]);
        const columnAliases = arr(node["column_name_alias"]).map((a) => str(a)?.toLowerCase() ?? "");
        if (inner) sources.push({ kind: "subquery", query: this.query(inner), alias, columnAliases });
        else sources.push({ kind: "opaque", alias });
        break;
      }
      case "SHOW_REF": {
        // SUMMARIZE/DESCRIBE <query> carry the query; SHOW <name> names what it lists, which the
        // allow-list then judges like any table.
        const inner = obj(node["query"]);
        const name = (str(node["table_name"]) ?? "").replace(/^"|"$/g, "").toLowerCase();
        if (inner) sources.push({ kind: "subquery", query: this.query(inner), alias });
        else sources.push({ kind: "table", name: { parts: [name || "show"], quoted: false }, alias, position: this.position(node) });
        break;
      }
      default:
        // VALUES lists, PIVOT, UNNEST: nothing to resolve, but their expressions still get walked.
        this.expr(node, acc);
        sources.push({ kind: "opaque", alias });
    }
    joins.push(how);
  }

  private expr(x: unknown, acc: ExpressionCollector): void {
    if (Array.isArray(x)) {
      for (const item of x) this.expr(item, acc);
      return;
    }
    const n = obj(x);
    if (!n) return;
    const cls = str(n["class"]);
    if (cls === "SUBQUERY") {
      const inner = obj(obj(n["subquery"])?.["node"]);
      if (inner) acc.subqueries.push(this.query(inner));
      this.expr(n["child"], acc);
      return;
    }
    if (cls === "LAMBDA") {
      // `x -> x + 1`: the parameters are names local to the lambda, not columns of any table.
      const params = new ExpressionCollector();
      this.expr(n["lhs"], params);
      const body = new ExpressionCollector();
      this.expr(n["expr"], body);
      acc.absorbLambda(new Set(params.columns.map((c) => c.name)), body);
      return;
    }
    if (cls === "STAR") {
      // `* EXCLUDE (a, b)` names columns that must exist.
      for (const name of arr(n["exclude_list"])) {
        if (typeof name === "string") acc.columns.push({ qualifier: str(n["relation_name"])?.toLowerCase() || undefined, name: name.toLowerCase(), quoted: false, position: this.position(n) });
      }
    }
    if (cls === "COLUMN_REF") {
      const names = arr(n["column_names"]).map((c) => (str(c) ?? "").toLowerCase());
      const name = names.at(-1) ?? "";
      const qualifier = names.length > 1 ? names.at(-2) : undefined;
      // DuckDB's tree drops the quotes; the text at the reference says whether `"JetBlue Airways"` was one.
      const at = n["query_location"];
      const quoted = typeof at === "number" && this.sql.charCodeAt(at) === 34 && names.length === 1;
      acc.columns.push({ qualifier, name, quoted, position: this.position(n) });
      return;
    }
    if (cls === "CONSTANT") {
      const value = obj(n["value"]);
      const v = value?.["value"];
      if (typeof v === "string") this.literals.push(v);
      return;
    }
    if (cls === "FUNCTION" || cls === "WINDOW" || cls === "AGGREGATE") {
      const name = [str(n["catalog"]), str(n["schema"]), str(n["function_name"])]
        .filter((p): p is string => p !== undefined && p.length > 0)
        .join(".")
        .toLowerCase();
      const args = arr(n["children"]).map((c) => {
        const v = obj(obj(c)?.["value"])?.["value"];
        return typeof v === "number" ? v : undefined;
      });
      if (n["is_operator"] !== true) {
        acc.functions.push({ name, argCount: args.length, args, position: this.position(n) });
      }
    }
    if (cls === "COMPARISON") {
      const left = new ExpressionCollector();
      const right = new ExpressionCollector();
      this.expr(n["left"], left);
      this.expr(n["right"], right);
      acc.absorb(left);
      acc.absorb(right);
      acc.predicates.push({ left: left.columns, right: right.columns });
      return;
    }
    for (const value of Object.values(n)) if (typeof value === "object" && value !== null) this.expr(value, acc);
  }
}
