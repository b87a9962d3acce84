/**
 * A query's full shape as plain data: every expression kept, not only what the checks need
 * (checks/tree.ts). The explainer (explain/) renders it into words and the empty-result note reads its
 * filters; node-sql-parser's loose AST becomes this shape in checks/parser-shape.ts, so nothing outside
 * checks/ looks at the library's own shapes.
 */

export type LiteralType = "string" | "number" | "date" | "boolean" | "null";

export interface OrderItem {
  readonly expr: Expr;
  readonly descending: boolean;
}

export interface WindowSpec {
  readonly partitionBy: readonly Expr[];
  readonly orderBy: readonly OrderItem[];
}

export type Expr =
  /** `table` is the qualifier as written (an alias or a table name), lower-cased. */
  | { readonly kind: "column"; readonly table?: string; readonly name: string }
  | { readonly kind: "star"; readonly table?: string }
  | { readonly kind: "literal"; readonly type: LiteralType; readonly value: string }
  /** A function call; aggregates and window functions too (`over` set). */
  | {
      readonly kind: "call";
      readonly name: string;
      readonly args: readonly Expr[];
      readonly aggregate: boolean;
      readonly distinct: boolean;
      readonly filter?: Expr;
      readonly over?: WindowSpec;
    }
  /** Upper-cased operator: `=`, `AND`, `ILIKE`, `NOT IN`, `BETWEEN`, `IS NOT`, `+`, `||` … */
  | { readonly kind: "binary"; readonly op: string; readonly left: Expr; readonly right: Expr }
  /** `NOT`, `EXISTS`, `NOT EXISTS`, `-`. */
  | { readonly kind: "unary"; readonly op: string; readonly arg: Expr }
  | { readonly kind: "list"; readonly items: readonly Expr[] }
  | { readonly kind: "cast"; readonly arg: Expr; readonly type: string }
  | { readonly kind: "extract"; readonly field: string; readonly arg: Expr }
  | { readonly kind: "subquery"; readonly query: QueryShape }
  /** A form the reader does not model (CASE, intervals, arrays …); `what` names it for messages. */
  | { readonly kind: "other"; readonly what: string };

export type JoinKind = "first" | "comma" | "inner" | "left" | "right" | "full" | "cross" | "other";

export type SourceShape =
  | { readonly kind: "table"; readonly name: string; readonly alias?: string }
  | { readonly kind: "subquery"; readonly query: QueryShape; readonly alias?: string }
  | { readonly kind: "other"; readonly alias?: string };

export interface FromItem {
  readonly source: SourceShape;
  /** How it joined the items before it; `first` for the first. */
  readonly join: JoinKind;
  readonly on?: Expr;
  readonly using?: readonly string[];
}

export interface SelectItem {
  readonly expr: Expr;
  readonly alias?: string;
}

export interface SelectShape {
  readonly distinct: boolean;
  readonly items: readonly SelectItem[];
  readonly from: readonly FromItem[];
  readonly where?: Expr;
  readonly groupBy: readonly Expr[];
  readonly having?: Expr;
}

export type SetOperator = "union" | "union all" | "intersect" | "except" | "other";

export interface QueryShape {
  readonly ctes: readonly { readonly name: string; readonly query: QueryShape }[];
  /** One block for a plain SELECT; set operations join blocks[i] to blocks[i+1] with setOps[i]. */
  readonly blocks: readonly SelectShape[];
  readonly setOps: readonly SetOperator[];
  /** ORDER BY, LIMIT and OFFSET of the whole query (for set operations, of their combined result). */
  readonly orderBy: readonly OrderItem[];
  readonly limit?: number;
  readonly offset?: number;
}

export type ShapeOutcome =
  | { readonly ok: true; readonly shape: QueryShape }
  /** Not one SELECT statement the grammar reads: nothing is described. */
  | { readonly ok: false; readonly reason: string };
