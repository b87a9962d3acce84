/**
 * Row probes (`SELECT 1 FROM … WHERE … LIMIT 1`) built as parse trees and printed by the dialect's grammar, for the
 * empty-result note (explain/empty.ts): the literals are the query's own, as its tree holds them, so no value or
 * name is spliced into SQL text.
 */
import type { Dialect } from "../core/engine.js";
import { quotedIdentifier } from "../core/sql-text.js";
import { looseTree } from "./parser.js";
import type { Expr } from "./shape.js";

type Loose = Record<string, unknown>;

/** A column of a probe, qualified with the alias of its table when the probe joins two. */
export interface ProbeColumn {
  readonly qualifier?: string;
  readonly name: string;
}

/** A condition of a probe: the column compared with a literal as the query wrote it, or the column has a value. */
export type ProbeCondition =
  | { readonly column: ProbeColumn; readonly op: string; readonly literal: Extract<Expr, { kind: "literal" }> }
  | { readonly column: ProbeColumn; readonly notNull: true };

export interface ProbeSource {
  readonly table: string;
  readonly alias?: string;
}

export interface ProbeQuery {
  readonly from: ProbeSource;
  /** An inner join of a second table on one equality of columns. */
  readonly join?: { readonly to: ProbeSource; readonly left: ProbeColumn; readonly right: ProbeColumn };
  readonly where: readonly ProbeCondition[];
  /** Keep the row only when `sparse` has a value in fewer than 1 in 10 of the rows the conditions keep. */
  readonly sparse?: ProbeColumn;
}

/** Literal types of the shape and the node type each is printed from (the same in both grammars). */
const LITERAL_NODES: Readonly<Partial<Record<Extract<Expr, { kind: "literal" }>["type"], string>>> = {
  string: "single_quote_string",
  number: "number",
  date: "date",
};

/** Whether a probe can compare with `literal` (a string, a number or a date). */
export function probeableLiteral(literal: Extract<Expr, { kind: "literal" }>): boolean {
  return LITERAL_NODES[literal.type] !== undefined;
}

/** The probe as SQL of `dialect`; undefined when a part of it cannot be printed (a literal of another type). */
export async function rowProbeSql(probe: ProbeQuery, dialect: Dialect): Promise<string | undefined> {
  // The skeleton's quoted column shows how this dialect's grammar holds a quoted name, so every name is printed quoted.
  const skeleton = await looseTree(`SELECT 1 FROM ${quotedIdentifier("probe", dialect)} WHERE ${quotedIdentifier("probe", dialect)} IS NOT NULL LIMIT 1`, dialect);
  const ast = skeleton?.ast as Loose | undefined;
  const template = (ast?.["where"] as Loose | undefined)?.["left"] as Loose | undefined;
  if (!skeleton || !ast || !template) return undefined;
  const column = (c: ProbeColumn): Loose => {
    const node: Loose = { ...template, table: c.qualifier ?? null };
    const named = node["column"];
    node["column"] = typeof named === "string" ? c.name : { expr: { ...((named as Loose)["expr"] as Loose), value: c.name } };
    return node;
  };
  const conditions: Loose[] = [];
  for (const c of probe.where) {
    if ("notNull" in c) {
      conditions.push(binary("IS NOT", column(c.column), { type: "null", value: null }));
      continue;
    }
    const type = LITERAL_NODES[c.literal.type];
    if (type === undefined) return undefined;
    conditions.push(binary(c.op, column(c.column), { type, value: c.literal.value }));
  }
  const source = (s: ProbeSource): Loose => ({ db: null, table: s.table, as: s.alias ?? null });
  ast["from"] = [
    source(probe.from),
    ...(probe.join ? [{ ...source(probe.join.to), join: "INNER JOIN", on: binary("=", column(probe.join.left), column(probe.join.right)) }] : []),
  ];
  ast["where"] = conditions.reduce<Loose | undefined>((all, c) => (all ? binary("AND", all, c) : c), undefined) ?? { type: "bool", value: true };
  if (probe.sparse) {
    const count = (expr: Loose): Loose => ({ type: "aggr_func", name: "COUNT", args: { expr }, over: null });
    ast["having"] = binary("<", binary("*", count(column(probe.sparse)), { type: "number", value: 10 }), count({ type: "star", value: "*" }));
  }
  return skeleton.print(ast);
}

function binary(operator: string, left: Loose, right: Loose): Loose {
  return { type: "binary_expr", operator, left, right };
}
