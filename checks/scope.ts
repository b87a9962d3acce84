/**
 * Name resolution over our tree: which CTEs each SELECT block can see and what each FROM source is.
 * The security policy (table allow-list) and the catalog check (columns) both need this answer.
 */
import { findTable, type Catalog, type TableInfo } from "../core/catalog.js";
import type { CommonTableExpression, ParsedSql, Query, SelectBlock, Source } from "./tree.js";

/** A FROM source after resolution. */
export type ResolvedSource =
  | { readonly kind: "cte"; readonly source: Source; readonly names: readonly string[]; readonly columns?: ReadonlySet<string> }
  | { readonly kind: "catalog"; readonly source: Source; readonly names: readonly string[]; readonly table: TableInfo; readonly columns: ReadonlySet<string> }
  /** A table that is neither a visible CTE nor in the catalog (or there is no catalog). */
  | { readonly kind: "table"; readonly source: Source & { kind: "table" }; readonly names: readonly string[] }
  /** Subqueries, table functions, VALUES: columns known only when the tree says so. */
  | { readonly kind: "derived"; readonly source: Source; readonly names: readonly string[]; readonly columns?: ReadonlySet<string> };

export interface BlockScope {
  readonly block: SelectBlock;
  readonly sources: readonly ResolvedSource[];
  /** Scopes of enclosing blocks, nearest first (correlated subqueries see them). */
  readonly outer: readonly BlockScope[];
  /** CTE names visible here. */
  readonly ctes: ReadonlyMap<string, CommonTableExpression>;
}

/** Output column names of a query, or undefined when it selects `*` from something unknown. */
function outputsOf(query: Query | undefined, aliases?: readonly string[]): ReadonlySet<string> | undefined {
  if (aliases && aliases.length > 0) return new Set(aliases);
  const first = query?.blocks[0];
  if (!first || first.outputs.includes("*")) return undefined;
  return new Set(first.outputs);
}

function resolve(source: Source, ctes: ReadonlyMap<string, CommonTableExpression>, catalog: Catalog | undefined): ResolvedSource {
  switch (source.kind) {
    case "table": {
      const last = source.name.parts.at(-1) ?? "";
      const names = source.alias ? [source.alias] : [last, source.name.parts.join(".")];
      const cte = source.name.parts.length === 1 ? ctes.get(last) : undefined;
      if (cte) return { kind: "cte", source, names, columns: outputsOf(cte.query, cte.columns) };
      const table = catalog ? lookup(catalog, source.name.parts) : undefined;
      if (table) {
        return { kind: "catalog", source, names, table, columns: new Set(table.columns.map((c) => c.name.toLowerCase())) };
      }
      return { kind: "table", source, names };
    }
    case "subquery":
      return { kind: "derived", source, names: source.alias ? [source.alias] : [], columns: outputsOf(source.query, source.columnAliases) };
    case "function":
      return { kind: "derived", source, names: source.alias ? [source.alias] : [source.call.name] };
    case "opaque":
      return { kind: "derived", source, names: source.alias ? [source.alias] : [] };
  }
}

/** Catalog tables are found by their last name part; `main.t` and `db.main.t` name the same table. */
export function lookup(catalog: Catalog, parts: readonly string[]): TableInfo | undefined {
  const last = parts.at(-1);
  if (last === undefined) return undefined;
  const qualifiers = parts.slice(0, -1);
  if (qualifiers.some((q) => q !== "main" && q !== "memory" && q !== "default" && q !== "spark_catalog")) {
    return findTable(catalog, parts.join("."));
  }
  return findTable(catalog, last);
}

/** Catalog tables a query reads, once per FROM source; undefined when a source is neither one, a CTE nor a subquery. */
export function catalogTablesRead(query: Query, catalog: Catalog): TableInfo[] | undefined {
  const read = sourcesRead(query, catalog);
  return read.other ? undefined : read.tables;
}

/** The catalog tables `query` reads (a table read twice listed twice), and whether it reads anything else too. */
function sourcesRead(query: Query, catalog: Catalog): { readonly tables: TableInfo[]; readonly other: boolean } {
  const tables: TableInfo[] = [];
  let other = false;
  visitScopes(query, catalog, (scope) => {
    for (const s of scope.sources) {
      if (s.kind === "catalog") tables.push(s.table);
      else if (s.kind === "table" || (s.kind === "derived" && s.source.kind !== "subquery")) other = true;
    }
  });
  return { tables, other };
}

/** Visits every SELECT block of `query` (CTE bodies, FROM subqueries, expression subqueries) with its scope. */
export function visitScopes(
  query: Query,
  catalog: Catalog | undefined,
  visit: (scope: BlockScope) => void,
  outer: readonly BlockScope[] = [],
  inheritedCtes: ReadonlyMap<string, CommonTableExpression> = new Map(),
): void {
  const ctes = new Map(inheritedCtes);
  for (const cte of query.ctes) {
    // A CTE sees the ones before it (and, when recursive, itself).
    if (query.recursive) ctes.set(cte.name, cte);
    if (cte.query) visitScopes(cte.query, catalog, visit, outer, ctes);
    ctes.set(cte.name, cte);
  }
  for (const block of query.blocks) {
    const sources = block.sources.map((s) => resolve(s, ctes, catalog));
    const scope: BlockScope = { block, sources, outer, ctes };
    visit(scope);
    for (const s of block.sources) if (s.kind === "subquery") visitScopes(s.query, catalog, visit, outer, ctes);
    for (const sub of block.subqueries) visitScopes(sub, catalog, visit, [scope, ...outer], ctes);
  }
}

/** The catalog tables `tree` reads anywhere (CTEs, subqueries, joins), each once, as the catalog names them. */
export function tablesRead(tree: ParsedSql, catalog: Catalog): string[] {
  const names = tree.statements.flatMap((statement) => (statement.query ? sourcesRead(statement.query, catalog).tables.map((t) => t.name) : []));
  return [...new Set(names)];
}
