import { type Catalog, type TableInfo, findColumn, findTable } from "../core/catalog.js";
import type { Dialect } from "../core/engine.js";
import type { Problem } from "../core/problem.js";
import { EditableQuery, type QueryBlock } from "../checks/sql-edit.js";
import type { SchemaProfile } from "./profile.js";

/**
 * Repairs of a failed try that need no model, and what the model is told about the rest: each reads the typed
 * problems of the try (from the checker or an engine's error mapper, either dialect) and edits the query's parse
 * tree (`checks/sql-edit.ts`), which is then printed back to SQL. A query the parser cannot read is left to the model.
 */

/** Edits `query` for the problems it recognises and says whether it changed anything. */
type Repair = (query: EditableQuery, problems: readonly Problem[], catalog: Catalog, profile?: SchemaProfile) => boolean;

/**
 * In the order they are tried: names the query's tables have elsewhere, then tables to join, then spellings, then the
 * engine's errors. Each leaves the query alone when the problems are not its own.
 */
const REPAIRS: readonly Repair[] = [
  requalifyColumns,
  respellByPart,
  (query, problems, catalog, profile) => (profile ? joinMissingTable(query, problems, catalog, profile) : false),
  respellNames,
  nameAlias,
  qualifyAmbiguous,
  yearRepair,
  yearAliasRepair,
  groupByRepair,
];

/** The query the first repair that recognises the problems makes of it; undefined when none does. */
export async function mechanicalRepair(sql: string, problems: readonly Problem[], catalog: Catalog, dialect: Dialect, profile?: SchemaProfile): Promise<string | undefined> {
  for (const repair of REPAIRS) {
    // A fresh tree for each repair: one that looked and gave up may have left nothing, but it is not trusted to.
    const query = await EditableQuery.of(sql, dialect);
    if (!query) return undefined;
    if (repair(query, problems, catalog, profile)) return query.print();
  }
  return undefined;
}

/** The problems about a column that a table of the query (the qualifier's, or any) lacks. */
function missingColumns(problems: readonly Problem[]): Problem[] {
  return problems.filter((p) => p.kind === "unknown-column" && p.column !== undefined);
}

const same = (a: string | undefined, b: string | undefined) => a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();

/**
 * The table each alias of a block names (a table without alias names itself), by the alias in lower case, with the
 * alias as the query spells it; undefined when an alias names two tables.
 */
function aliasesOf(block: QueryBlock, catalog: Catalog): Map<string, { table: TableInfo; spelled: string }> | undefined {
  const aliases = new Map<string, { table: TableInfo; spelled: string }>();
  for (const source of block.sources()) {
    const table = findTable(catalog, source.table);
    if (!table) continue;
    const seen = aliases.get(source.spelled.toLowerCase());
    if (seen && seen.table !== table) return undefined;
    aliases.set(source.spelled.toLowerCase(), { table, spelled: source.spelled });
  }
  return aliases;
}

/**
 * The checker's "Column "fname" does not exist in "t1"" where exactly one other table of the block has that column:
 * small models join the right tables but qualify a column with the wrong alias (a sixth of a Spider sample was
 * blocked so), and the fix is that other alias.
 */
function requalifyColumns(query: EditableQuery, problems: readonly Problem[], catalog: Catalog): boolean {
  let changed = false;
  for (const block of query.allBlocks()) {
    const aliases = aliasesOf(block, catalog);
    if (!aliases) continue;
    for (const { column, qualifier } of missingColumns(problems)) {
      if (qualifier === undefined || !aliases.has(qualifier.toLowerCase())) continue;
      const owners = [...aliases.values()].filter(({ table }) => findColumn(table, column ?? "") !== undefined);
      const right = owners.length === 1 ? owners[0] : undefined;
      if (!right) continue;
      for (const use of block.columns()) {
        if (!same(use.qualifier, qualifier) || !same(use.name, column)) continue;
        use.setQualifier(right.spelled);
        changed = true;
      }
    }
  }
  return changed;
}

/**
 * A missing column whose name is a word of exactly one column of the query's own tables ("age" for Pets.pet_age,
 * "code" for countrylanguage.CountryCode): small models shorten names, and the table they chose is more likely
 * meant than another table that happens to have the short name (Student.Age). Not for queries with subqueries.
 */
function respellByPart(query: EditableQuery, problems: readonly Problem[], catalog: Catalog): boolean {
  if (query.nested) return false;
  let changed = false;
  for (const block of query.blocks()) {
    const aliases = aliasesOf(block, catalog);
    if (!aliases) continue;
    for (const { column = "", qualifier } of missingColumns(problems)) {
      const wanted = nameParts(column).join(" ");
      const scope = qualifier === undefined ? [...aliases.values()] : [aliases.get(qualifier.toLowerCase())].filter((a) => a !== undefined);
      const candidates = [...new Set(scope.flatMap(({ table }) => table.columns.map((c) => c.name)
        .filter((name) => name.toLowerCase() !== column.toLowerCase() && ` ${nameParts(name).join(" ")} `.includes(` ${wanted} `))))];
      const only = candidates.length === 1 ? candidates[0] : undefined;
      if (only === undefined || (qualifier !== undefined && scope.length === 0)) continue;
      for (const use of block.columns()) {
        if (!same(use.name, column) || (qualifier === undefined ? use.qualifier !== undefined : !same(use.qualifier, qualifier))) continue;
        use.setName(only);
        changed = true;
      }
    }
  }
  return changed;
}

/** "CountryCode" and "country_code" alike: ["country", "code"]. */
function nameParts(name: string): string[] {
  return name.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase().split(/[^a-z0-9]+/).filter((p) => p !== "");
}

/**
 * `Column "PetType" does not exist in "T2"` where no table of the query has it, one table of the database does, and a
 * reference joins that table to one of the query's: the model joined the link table (Has_Pet) and not the table
 * behind it, and told so it swaps one mistake for another. The table is joined (`JOIN Pets AS T3 ON T3.PetID =
 * T2.PetID`) and the column moved to it, in each SELECT of a set operation. Not for queries with subqueries.
 */
function joinMissingTable(query: EditableQuery, problems: readonly Problem[], catalog: Catalog, profile: SchemaProfile): boolean {
  if (query.nested) return false;
  let changed = false;
  for (const { column = "", qualifier } of missingColumns(problems)) {
    const owners = profile.tables.filter((t) => findColumn(t, column) !== undefined);
    const owner = owners.length === 1 ? owners[0] : undefined;
    if (!owner) continue;
    for (const block of query.blocks()) {
      const aliases = aliasesOf(block, catalog);
      const wrong = qualifier === undefined ? undefined : aliases?.get(qualifier.toLowerCase());
      if (!aliases || (qualifier !== undefined && !wrong) || [...aliases.values()].some((a) => a.table.name === owner.name)) continue;
      const uses = block.columns().filter((use) => same(use.name, column) && (wrong ? same(use.qualifier, wrong.spelled) : use.qualifier === undefined));
      const link = linkTo(owner, [...aliases.values()].map((a) => a.table.name), profile);
      const partner = link && [...aliases.values()].find((a) => a.table.name === link.table);
      if (uses.length === 0 || !link || !partner) continue;
      const alias = freshAlias([...aliases.keys()], owner.name);
      block.addJoin(owner.name, alias, link.ownerColumn, partner.spelled, link.column);
      for (const use of uses) use.setQualifier(alias);
      changed = true;
    }
  }
  return changed;
}

/** T3 after T1 and T2, as small models name aliases; else the table's initial with a number no alias has. */
function freshAlias(taken: readonly string[], table: string): string {
  const numbered = taken.map((a) => /^t(\d+)$/.exec(a)?.[1]).filter((n): n is string => n !== undefined).map(Number);
  if (numbered.length > 0) return `T${Math.max(...numbered) + 1}`;
  const initial = table.slice(0, 1).toLowerCase();
  for (let n = 1; ; n++) if (!taken.includes(`${initial}${n}`)) return `${initial}${n}`;
}

/**
 * The checker's `Column "pet_type" does not exist … (Did you mean "pettype"?)`: its suggestion is a near spelling of
 * a name in the query's tables, and the model, told so, has repeated the wrong name. Every use is respelled.
 */
function respellNames(query: EditableQuery, problems: readonly Problem[], catalog: Catalog): boolean {
  let changed = false;
  for (const { column = "", suggestion } of missingColumns(problems)) {
    // A name some table has is not a typo: it is on the wrong table (the repairs before this one).
    if (suggestion === undefined || catalog.tables.some((t) => findColumn(t, column) !== undefined)) continue;
    for (const use of query.allBlocks().flatMap((b) => b.columns())) {
      if (!same(use.name, column)) continue;
      use.setName(suggestion);
      changed = true;
    }
  }
  return changed;
}

/**
 * The checker's `"p" is not a table or alias in this query` where one table of the query has no alias and has every
 * column the query reads through `p.`: the model used an alias it never gave (`FROM patents WHERE p.kind = 'B2'`).
 */
function nameAlias(query: EditableQuery, problems: readonly Problem[], catalog: Catalog): boolean {
  const alias = problems.find((p) => p.kind === "unknown-qualifier")?.qualifier;
  if (alias === undefined) return false;
  const blocks = query.allBlocks();
  const used = blocks.flatMap((b) => b.columns()).filter((use) => same(use.qualifier, alias)).map((use) => use.name);
  const bare = blocks.flatMap((block) => block.sources().flatMap((source, index) => {
    const table = source.alias === undefined ? findTable(catalog, source.table) : undefined;
    return table && used.every((column) => findColumn(table, column) !== undefined) ? [{ block, index, table }] : [];
  }));
  const tables = new Set(bare.map((b) => b.table));
  const first = bare[0];
  if (!first || tables.size !== 1 || used.length === 0) return false;
  first.block.setAlias(first.index, alias);
  return true;
}

/**
 * DuckDB's `Ambiguous reference to column name "Document_ID" (use: "T1.Document_ID" or "T2.Document_ID")` (Spark's
 * AMBIGUOUS_REFERENCE alike): the model joined two tables on that column and then named it bare. Either side holds
 * the same value after the join, so the first one the engine offers is written wherever the name stands alone.
 */
function qualifyAmbiguous(query: EditableQuery, problems: readonly Problem[]): boolean {
  const problem = problems.find((p) => p.kind === "ambiguous-column" && p.column !== undefined && p.candidates?.[0] !== undefined);
  const first = problem?.candidates?.[0] ?? "";
  const qualifier = first.slice(0, first.lastIndexOf("."));
  if (!problem || qualifier === "") return false;
  let changed = false;
  for (const use of query.allBlocks().flatMap((b) => b.columns())) {
    if (use.qualifier !== undefined || !same(use.name, problem.column)) continue;
    use.setQualifier(qualifier);
    changed = true;
  }
  return changed;
}

/**
 * An engine's "invalid date field format: "2009"" for `filing_date > '2009'`: the model compared a date with a year.
 * Comparing the date's year says what it meant, for every operator and BETWEEN (`year(filing_date) > 2009`).
 */
function yearRepair(query: EditableQuery, problems: readonly Problem[], catalog: Catalog): boolean {
  if (!problems.some((p) => p.kind === "date-format" && isYear(p.value))) return false;
  let changed = false;
  for (const block of query.allBlocks()) {
    const tables = block.sources().map((s) => findTable(catalog, s.table)).filter((t) => t !== undefined);
    for (const comparison of block.comparisons()) {
      const isDate = tables.some((t) => /DATE|TIME/.test(findColumn(t, comparison.column.name)?.type ?? ""));
      if (!isDate || !comparison.texts.every(isYear)) continue;
      comparison.compareYear();
      changed = true;
    }
  }
  return changed;
}

function isYear(text: string | undefined): boolean {
  return text !== undefined && text.length === 4 && [...text].every((c) => c >= "0" && c <= "9");
}

/**
 * "Column "grant_year" does not exist" in `… GROUP BY grant_year` where the query's table has grant_date: the model
 * grouped by a year it meant to select and never defined. It is defined in the select list as `year(grant_date) AS
 * grant_year` (where the list names it bare, or first), the per-year rows the question asked for. Only for a query without subqueries or set operations.
 */
function yearAliasRepair(query: EditableQuery, problems: readonly Problem[], catalog: Catalog): boolean {
  const problem = missingColumns(problems).find((p) => p.qualifier === undefined && (p.column ?? "").toLowerCase().endsWith("year"));
  const block = query.blocks()[0];
  if (!problem || !block || query.nested || query.setOperation) return false;
  const alias = problem.column ?? "";
  const stem = alias.slice(0, -"year".length).replace(/_$/, "").toLowerCase();
  const dates = block.sources().map((s) => findTable(catalog, s.table)).filter((t) => t !== undefined)
    .flatMap((t) => t.columns.filter((c) => /DATE|TIME/.test(c.type) && c.name.toLowerCase() === `${stem}_date`));
  const date = dates.length === 1 ? dates[0] : undefined;
  if (stem === "" || !date) return false;
  block.defineAs("year", date.name, alias);
  return true;
}

/**
 * For the engine's "must appear in the GROUP BY clause" on a query without GROUP BY:
 * - the column is in the select list beside an aggregate ("SELECT assignee, count(*) … LIMIT 5"): it is what the
 *   rows are counted by, so a GROUP BY on it is added;
 * - otherwise small models have ended a single-number query with an ORDER BY copied from a listing
 *   ("SELECT count(*) … ORDER BY publication_number"); without GROUP BY that ORDER BY cannot change the one row,
 *   so it is dropped.
 * Only the outer query is edited, and only when no SELECT of it groups.
 */
function groupByRepair(query: EditableQuery, problems: readonly Problem[]): boolean {
  const missing = problems.find((p) => p.kind === "not-grouped");
  const block = query.blocks()[0];
  if (!missing || !block || query.setOperation || query.allBlocks().some((b) => b.grouped)) return false;
  const key = block.selectedColumns().find((use) => same(use.name, missing.column));
  if (key) {
    block.groupBy(key);
    return true;
  }
  if (!block.ordered) return false;
  block.dropOrderBy();
  return true;
}

/** Where a column the query's tables lack is: each table that has it, and the join to a table of the query if any. */
export interface ColumnHome {
  readonly column: string;
  readonly places: readonly { readonly table: string; readonly column: string; readonly join?: string }[];
}

/**
 * For each column the query's tables lack: the tables that have it, and how one joins a table of the query (from the
 * inferred references). Small models join the link table and take a column of the table behind it ("SELECT T1.Fname
 * FROM Has_Pet AS T1"), and the checker alone only says what is missing.
 */
export async function whereColumnsAre(problems: readonly Problem[], sql: string, dialect: Dialect, profile: SchemaProfile, catalog: Catalog): Promise<ColumnHome[]> {
  const missing = missingColumns(problems);
  if (missing.length === 0) return [];
  const query = await EditableQuery.of(sql, dialect);
  const inQuery = [...new Set((query?.allBlocks() ?? []).flatMap((b) => b.sources()).map((s) => findTable(catalog, s.table)?.name).filter((n) => n !== undefined))];
  const homes = new Map<string, ColumnHome>();
  for (const { column = "" } of missing) {
    const owners = profile.tables.filter((t) => findColumn(t, column) !== undefined);
    if (owners.length === 0 || owners.length > 3 || homes.has(column)) continue;
    homes.set(column, {
      column,
      places: owners.map((owner) => {
        const link = inQuery.includes(owner.name) ? undefined : linkTo(owner, inQuery, profile);
        return {
          table: owner.name,
          column: findColumn(owner, column)?.name ?? column,
          ...(link ? { join: `${owner.name}.${link.ownerColumn} = ${link.table}.${link.column}` } : {}),
        };
      }),
    });
  }
  return [...homes.values()];
}

/**
 * A join on a column compared with itself (`JOIN Treatments AS T2 ON T1.owner_id = T1.owner_id`) pairs every row
 * with every row: small models write it when the two tables share no column. It runs, so only this check sees it;
 * the problem carries the path of references that joins the two tables when there is one (through Dogs).
 */
export async function selfJoinProblem(sql: string, dialect: Dialect, profile: SchemaProfile): Promise<Problem | undefined> {
  const query = await EditableQuery.of(sql, dialect);
  for (const condition of query?.allBlocks().flatMap((b) => b.joinConditions()) ?? []) {
    const { left, right } = condition;
    if (left.qualifier === undefined || !same(left.qualifier, right.qualifier) || !same(left.name, right.name)) continue;
    const joined = findTable(profile, condition.joined);
    const partner = findTable(profile, condition.partner ?? "");
    if (!joined || !partner) continue;
    const path = joinPath(partner.name, joined.name, profile);
    return {
      kind: "self-join", origin: "pipeline", dialect,
      join: { condition: condition.text, partner: partner.name, joined: joined.name, ...(path ? { path } : {}) },
      message: `the join "${condition.text}" compares a column with itself`,
    };
  }
  return undefined;
}

/** The shortest chain of references from one table to another (three joins at most), as join conditions. */
function joinPath(from: string, to: string, profile: SchemaProfile): { tables: string[]; conditions: string[] } | undefined {
  const edges = profile.tables.flatMap((t) => t.columns.flatMap((c) => (c.references
    ? [{ a: t.name, b: c.references.table, condition: `${t.name}.${c.name} = ${c.references.table}.${c.references.column}` }] : [])));
  let paths = [{ tables: [from], conditions: [] as string[] }];
  for (let hop = 0; hop < 3; hop++) {
    const next: typeof paths = [];
    for (const path of paths) {
      const at = path.tables.at(-1);
      for (const e of edges) {
        const other = e.a === at ? e.b : e.b === at ? e.a : undefined;
        if (other === undefined || path.tables.includes(other)) continue;
        const longer = { tables: [...path.tables, other], conditions: [...path.conditions, e.condition] };
        if (other === to) return longer;
        next.push(longer);
      }
    }
    paths = next;
  }
  return undefined;
}

/** How `owner` joins a table of the query, from a reference either way: owner.ownerColumn = table.column. */
function linkTo(owner: SchemaProfile["tables"][number], inQuery: readonly string[], profile: SchemaProfile): { ownerColumn: string; table: string; column: string } | undefined {
  for (const c of owner.columns) {
    if (c.references && inQuery.includes(c.references.table)) return { ownerColumn: c.name, table: c.references.table, column: c.references.column };
  }
  for (const t of profile.tables) {
    if (!inQuery.includes(t.name)) continue;
    for (const c of t.columns) if (c.references?.table === owner.name) return { ownerColumn: c.references.column, table: t.name, column: c.name };
  }
  return undefined;
}
