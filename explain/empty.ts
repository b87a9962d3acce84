/**
 * Why a query may have returned no rows: each simple filter of its WHERE (a column compared with a value,
 * `=`/`LIKE`/`ILIKE`/`<`/`>=` …) is tried on its own table through a probe, which the caller runs through the
 * checked session. A value no row has, or a compared column that is empty for the rows the other filters
 * keep, is named; otherwise the note says the filters only fail together.
 */
import { parseShape, probeableLiteral, rowProbeSql, type Expr, type ProbeColumn, type ProbeCondition, type ProbeQuery, type SelectShape } from "../checks/index.js";
import type { Dialect } from "../core/engine.js";
import { describeCondition } from "./describe.js";

/** Runs a checked probe query; true when it returned at least one row. */
export type RowProbe = (sql: string) => Promise<boolean>;

export interface EmptyResultNote {
  /** The likely reasons, most specific first; never empty. */
  readonly reasons: readonly string[];
}

/** Probes a note may run in all; each reads one row at most. */
const MAX_PROBES = 10;

const PROBED_OPERATORS = new Set(["=", "<>", "!=", "<", "<=", ">", ">=", "LIKE", "ILIKE"]);

interface Filter {
  readonly table: string;
  readonly column: string;
  /** The comparison, its right side a literal the probes can use. */
  readonly expr: Extract<Expr, { kind: "binary" }> & { readonly right: Extract<Expr, { kind: "literal" }> };
}

/** A filter as a probe's condition, its column qualified with `alias` when the probe joins two tables. */
function condition(f: Filter, alias?: string): ProbeCondition {
  return { column: { ...(alias ? { qualifier: alias } : {}), name: f.column }, op: f.expr.op, literal: f.expr.right };
}

/** Two tables of the query joined on one column of each: the probe checks they share rows under the filters. */
interface Join {
  readonly left: { readonly table: string; readonly column: string };
  readonly right: { readonly table: string; readonly column: string };
}

const GENERAL = "No row met every condition of the query; the answer may still be right (nothing matches), or the question was read differently than meant.";

/**
 * The likely reasons why `sql` returned no rows. The filters of its WHERE are probed, and those of a single
 * query inside `x IN (…)` there (the model often puts the filters in such a subquery). `signal`: once aborted
 * (the caller's time budget ran out), no further probe starts.
 */
export async function emptyResultNote(sql: string, dialect: Dialect, probe: RowProbe, signal?: AbortSignal): Promise<EmptyResultNote> {
  const parsed = await parseShape(sql, dialect);
  const block = parsed.ok && parsed.shape.blocks.length === 1 ? parsed.shape.blocks[0] : undefined;
  if (!block?.where) return { reasons: [GENERAL] };
  const prober = new Prober(dialect, probe, signal);
  const reasons = await prober.reasons(block);
  for (const { column, inner, where } of conjuncts(block.where).flatMap(subqueryBlock)) {
    if (reasons.length > 0) break;
    reasons.push(...(await prober.reasons(inner)));
    const outer = block.from.length === 1 && block.from[0]?.source.kind === "table" ? block.from[0].source.name : undefined;
    const filters = conjuncts(where).flatMap((e) => filterOf(e, inner));
    // The inner query keeps rows, yet the answer is empty: its values are missing from the outer table.
    if (reasons.length === 0 && outer && (await prober.together(filters)) === true) {
      reasons.push(`The inner query finds rows (where ${filters.map((f) => describeCondition(f.expr)).join(" and ")}), but ${outer} has no row whose ${column.name} is among them: the data of one table may not cover the other's.`);
    }
  }
  return { reasons: reasons.length > 0 ? reasons : [GENERAL] };
}

/** `x IN (SELECT … WHERE …)`: the column and the subquery's block, when it is one plain SELECT with a WHERE. */
function subqueryBlock(e: Expr): { column: Extract<Expr, { kind: "column" }>; inner: SelectShape; where: Expr }[] {
  if (e.kind !== "binary" || e.op !== "IN" || e.left.kind !== "column") return [];
  const sub = e.right.kind === "list" && e.right.items.length === 1 ? e.right.items[0] : e.right;
  const inner = sub?.kind === "subquery" && sub.query.blocks.length === 1 ? sub.query.blocks[0] : undefined;
  return inner?.where ? [{ column: e.left, inner, where: inner.where }] : [];
}

class Prober {
  private probes = 0;

  constructor(
    private readonly dialect: Dialect,
    private readonly probe: RowProbe,
    private readonly signal: AbortSignal | undefined,
  ) {}

  /** Whether the probe finds a row; undefined when no probe could say. */
  private async matches(query: ProbeQuery): Promise<boolean | undefined> {
    if (this.probes++ >= MAX_PROBES || this.signal?.aborted) return undefined;
    try {
      const sql = await rowProbeSql(query, this.dialect);
      return sql === undefined ? undefined : await this.probe(sql);
    } catch {
      return undefined;
    }
  }

  async reasons(block: SelectShape): Promise<string[]> {
    const filters = block.where ? conjuncts(block.where).flatMap((e) => filterOf(e, block)) : [];
    const reasons: string[] = [];
    const alone: (boolean | undefined)[] = [];
    for (const f of filters) {
      const found = await this.matches({ from: { table: f.table }, where: [condition(f)] });
      alone.push(found);
      if (found === false) reasons.push(`No row of ${f.table} matches “${describeCondition(f.expr)}”: the data may spell the value differently, or not have it.`);
    }
    if (reasons.length === 0) reasons.push(...(await this.emptyColumns(filters)));
    if (reasons.length === 0) reasons.push(...(await this.joinsWithoutRows(block, filters)));
    if (reasons.length === 0 && filters.length > 1 && alone.every((v) => v === true) && (await this.together(filters)) === false) {
      reasons.push("Each filter matches rows on its own, but no row meets all of them together.");
    }
    return reasons;
  }

  /** Whether the filters, all on one table, keep any row together; undefined when they span tables. */
  async together(filters: readonly Filter[]): Promise<boolean | undefined> {
    const [first] = filters;
    if (!first || filters.some((f) => f.table !== first.table)) return undefined;
    return this.matches({ from: { table: first.table }, where: filters.map((f) => condition(f)) });
  }

  /** A compared column (a date, a number) that is empty, or nearly so, for the rows the other filters keep. */
  private async emptyColumns(filters: readonly Filter[]): Promise<string[]> {
    const reasons: string[] = [];
    for (const f of filters) {
      if (f.expr.op === "LIKE" || f.expr.op === "ILIKE") continue;
      const others = filters.filter((o) => o !== f && o.table === f.table);
      if (others.length === 0) continue;
      const from = { table: f.table };
      const column: ProbeColumn = { name: f.column };
      const where = others.map((o) => condition(o));
      const rows = `the rows of ${f.table} where ${others.map((o) => describeCondition(o.expr)).join(" and ")}`;
      const any = await this.matches({ from, where: [...where, { column, notNull: true }] });
      if (any === false) {
        reasons.push(`${f.column} is empty for ${rows}.`);
        continue;
      }
      // Fewer than one value in ten: the filter on it keeps almost nothing of what the others keep.
      const sparse = await this.matches({ from, where, sparse: column });
      if (sparse === true) reasons.push(`${f.column} is empty for most of ${rows} (it has a value in fewer than 1 in 10).`);
    }
    return reasons;
  }

  /** An inner join whose two tables share no rows under the filters on them. */
  private async joinsWithoutRows(block: SelectShape, filters: readonly Filter[]): Promise<string[]> {
    const reasons: string[] = [];
    for (const join of joinsOf(block)) {
      const [l, r] = ["l", "r"];
      const sides = filters.flatMap((f) => (f.table === join.left.table ? [condition(f, l)] : f.table === join.right.table ? [condition(f, r)] : []));
      const found = await this.matches({
        from: { table: join.left.table, alias: l },
        join: { to: { table: join.right.table, alias: r }, left: { qualifier: l, name: join.left.column }, right: { qualifier: r, name: join.right.column } },
        where: sides,
      });
      if (found !== false) continue;
      const kept = filters.filter((f) => f.table === join.left.table || f.table === join.right.table).map((f) => describeCondition(f.expr));
      reasons.push(`${join.left.table} and ${join.right.table} have no rows in common on ${join.left.column}${kept.length > 0 ? ` where ${kept.join(" and ")}` : ""}: the data of one table may not cover the other's.`);
    }
    return reasons;
  }
}

function conjuncts(e: Expr): Expr[] {
  return e.kind === "binary" && e.op === "AND" ? [...conjuncts(e.left), ...conjuncts(e.right)] : [e];
}

/** A filter the probes can run: a column of a known table compared with a literal value. */
function filterOf(e: Expr, block: SelectShape): Filter[] {
  if (e.kind !== "binary" || !PROBED_OPERATORS.has(e.op) || e.left.kind !== "column" || e.right.kind !== "literal") return [];
  const tables = block.from.flatMap((f) => (f.source.kind === "table" ? [f.source] : []));
  const qualifier = e.left.table;
  const source = qualifier === undefined ? (block.from.length === 1 ? tables[0] : undefined) : tables.find((t) => (t.alias ?? t.name) === qualifier || t.name === qualifier);
  const right = e.right;
  if (!source || !probeableLiteral(right)) return [];
  return [{ table: source.name, column: e.left.name, expr: { ...e, right } }];
}

/** Joins of two table sources on one equality of columns (ON a.x = b.y, or USING (x)). */
function joinsOf(block: SelectShape): Join[] {
  const tables = block.from.flatMap((f) => (f.source.kind === "table" ? [f.source] : []));
  if (tables.length !== block.from.length) return [];
  const tableOf = (qualifier: string | undefined): string | undefined => tables.find((t) => (t.alias ?? t.name) === qualifier || t.name === qualifier)?.name;
  return block.from.slice(1).flatMap((item, i): Join[] => {
    // Only an inner join can empty the result by itself.
    if (item.source.kind !== "table" || item.join !== "inner") return [];
    const before = block.from[i]?.source;
    const [using] = item.using ?? [];
    if (using !== undefined && item.using?.length === 1 && before?.kind === "table") {
      return [{ left: { table: before.name, column: using }, right: { table: item.source.name, column: using } }];
    }
    const on = item.on;
    if (on?.kind !== "binary" || on.op !== "=" || on.left.kind !== "column" || on.right.kind !== "column") return [];
    const [a, b] = [tableOf(on.left.table), tableOf(on.right.table)];
    if (!a || !b || a === b) return [];
    return [{ left: { table: a, column: on.left.name }, right: { table: b, column: on.right.name } }];
  });
}
