/**
 * Our own typed form of a parsed query. Both parsers the checker can use — node-sql-parser
 * (checks/parser.ts) and the engine's own (DuckDB `json_serialize_sql`, checks/duckdb-tree.ts) — are
 * converted into it, so the policy and catalog checks walk one shape whatever parsed the text.
 */

export interface Position {
  readonly line: number;
  readonly column: number;
}

/** What a statement does; anything but `select` is refused by the read-only policy. */
export type StatementKind =
  | "select"
  | "insert"
  | "update"
  | "delete"
  | "merge"
  | "create"
  | "drop"
  | "alter"
  | "truncate"
  | "copy"
  | "attach"
  | "detach"
  | "install"
  | "load"
  | "set"
  | "reset"
  | "pragma"
  | "call"
  | "export"
  | "import"
  | "use"
  | "show"
  | "describe"
  | "explain"
  | "grant"
  | "transaction"
  | "other";

/** A name as written, split at dots (`db.schema.table` → three parts), lower-cased for lookup. */
export interface QualifiedName {
  readonly parts: readonly string[];
  /** True when the last part was written quoted (`"x"`, `` `x` ``). */
  readonly quoted: boolean;
}

export interface FunctionCall {
  /** Lower-cased, dot-joined (`dbms_pipe.receive_message`). */
  readonly name: string;
  readonly argCount: number;
  /** Each argument's value when it is a numeric literal, else undefined: sizes and bounds (`range(1e12)`, `repeat('x', 2e9)`). */
  readonly args: readonly (number | undefined)[];
  readonly position?: Position;
}

export interface ColumnRef {
  /** The qualifier as written (`t` in `t.x`), lower-cased; absent when unqualified. */
  readonly qualifier?: string;
  /** Lower-cased column name; `*` for `t.*`. */
  readonly name: string;
  readonly quoted: boolean;
  readonly position?: Position;
}

export type Source =
  | { readonly kind: "table"; readonly name: QualifiedName; readonly alias?: string; readonly position?: Position }
  | { readonly kind: "function"; readonly call: FunctionCall; readonly alias?: string }
  | { readonly kind: "subquery"; readonly query: Query; readonly alias?: string; readonly columnAliases?: readonly string[] }
  /** A source we can see but not resolve (VALUES lists, UNNEST of an expression, …). */
  | { readonly kind: "opaque"; readonly alias?: string };

/** How a source joined the ones before it. */
export interface JoinInfo {
  readonly type: "comma" | "cross" | "inner" | "outer" | "semi" | "natural" | "lateral";
  /**
   * USING, NATURAL or LATERAL: linked to the sources before it by construction. An ON condition links only
   * through the columns it compares (it is one of the block's predicates): `ON true`, `ON 1=1` and
   * `ON a.x = a.x` link nothing and leave a cross join.
   */
  readonly hasCondition: boolean;
}

/** A comparison between two column groups, for linking join sources (cartesian-product check). */
export interface Predicate {
  readonly left: readonly ColumnRef[];
  readonly right: readonly ColumnRef[];
}

/** One SELECT core: FROM … WHERE … GROUP BY … HAVING, its select list, and what it nests. */
export interface SelectBlock {
  readonly sources: readonly Source[];
  /** joins[i] says how sources[i] joined sources[0..i-1]; joins[0] is unused. */
  readonly joins: readonly JoinInfo[];
  /** Column references in this block's own expressions (nested subqueries keep theirs). */
  readonly columns: readonly ColumnRef[];
  /** Names this block outputs (aliases, plain column names); `*` when it selects a star. */
  readonly outputs: readonly string[];
  /** Names introduced with AS in the select list (ORDER BY, GROUP BY and HAVING may use them). */
  readonly aliases: readonly string[];
  readonly functions: readonly FunctionCall[];
  /** Subqueries inside expressions (they may refer to this block's sources). */
  readonly subqueries: readonly Query[];
  /** Comparisons from WHERE and ON, for the cartesian-product plan check. */
  readonly predicates: readonly Predicate[];
  /** True when the block aggregates without GROUP BY, so it yields one row. */
  readonly singleRow: boolean;
  /** `SELECT … INTO target`: a write in disguise. */
  readonly into?: string;
}

export interface CommonTableExpression {
  readonly name: string;
  readonly columns?: readonly string[];
  /** Absent when the CTE body is not a query (a data-modifying CTE). */
  readonly query?: Query;
  /** Kind of the body; not `select` for data-modifying CTEs. */
  readonly bodyKind: StatementKind;
}

export interface Query {
  readonly ctes: readonly CommonTableExpression[];
  readonly recursive: boolean;
  /** Set-operation branches (UNION/INTERSECT/EXCEPT), in order; one for a plain SELECT. */
  readonly blocks: readonly SelectBlock[];
  /** LIMIT on the outermost level of this query. */
  readonly hasLimit: boolean;
}

export interface Statement {
  readonly kind: StatementKind;
  /** The leading keyword(s) as the parser saw them, for messages. */
  readonly keyword: string;
  /** The query of a SELECT statement (also the source query of INSERT … SELECT). */
  readonly query?: Query;
  /** Tables a non-SELECT statement names (targets of writes, DDL objects). */
  readonly targets: readonly QualifiedName[];
  readonly position?: Position;
}

export interface ParsedSql {
  readonly statements: readonly Statement[];
  /** Every string literal's content, for the injection signals. */
  readonly literals: readonly string[];
  /** Which parser produced the tree, for findings and tests. */
  readonly parser: string;
}

/** Every query nested anywhere below `query` (CTEs, FROM subqueries, expression subqueries), itself first. */
export function* allQueries(query: Query): Generator<Query, void, undefined> {
  yield query;
  for (const cte of query.ctes) if (cte.query) yield* allQueries(cte.query);
  for (const block of query.blocks) {
    for (const source of block.sources) if (source.kind === "subquery") yield* allQueries(source.query);
    for (const sub of block.subqueries) yield* allQueries(sub);
  }
}

/** Every select block of every query in the statement. */
export function* allBlocks(statement: Statement): Generator<SelectBlock, void, undefined> {
  if (!statement.query) return;
  for (const q of allQueries(statement.query)) yield* q.blocks;
}

/** What a converter gathers while walking one block's expressions; shared by both tree converters. */
export class ExpressionCollector {
  readonly columns: ColumnRef[] = [];
  readonly functions: FunctionCall[] = [];
  readonly subqueries: Query[] = [];
  readonly predicates: Predicate[] = [];

  absorb(other: ExpressionCollector): void {
    this.columns.push(...other.columns);
    this.functions.push(...other.functions);
    this.subqueries.push(...other.subqueries);
    this.predicates.push(...other.predicates);
  }

  /**
   * A lambda's body (`(acc, x) -> acc + x`): its parameters are names local to the body, not columns of any
   * table, so unqualified references to them are dropped; everything else the body names (real columns,
   * functions, subqueries) is the block's like any other expression.
   */
  absorbLambda(parameters: ReadonlySet<string>, body: ExpressionCollector): void {
    const outside = (c: ColumnRef): boolean => c.qualifier !== undefined || !parameters.has(c.name);
    this.columns.push(...body.columns.filter(outside));
    this.functions.push(...body.functions);
    this.subqueries.push(...body.subqueries);
    this.predicates.push(...body.predicates.map((p) => ({ left: p.left.filter(outside), right: p.right.filter(outside) })));
  }

  /** A table function's own call (the first collected) is the source; its arguments belong to the block. */
  absorbArguments(other: ExpressionCollector): void {
    this.absorb(other);
    this.functions.splice(this.functions.length - other.functions.length, 1);
  }
}
