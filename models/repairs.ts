import { type Catalog, type TableInfo, findColumn, findTable } from "../core/catalog.js";
import type { Problem } from "../core/problem.js";
import type { SchemaProfile } from "./profile.js";
import { escapeRegExp } from "./values.js";

/**
 * Repairs of a failed try that need no model, and what the model is told about the rest: each reads the typed
 * problems of the try (from the checker or the engine's error mapper, either dialect) and the query's text
 * (aliases, the catalog, the profile's inferred references).
 */

type Repair = (sql: string, problems: readonly Problem[], catalog: Catalog, profile?: SchemaProfile) => string | undefined;

/**
 * In the order they are tried: names the query's tables have elsewhere, then tables to join, then spellings, then the
 * engine's errors. Each returns undefined when the message is not its own.
 */
const REPAIRS: readonly Repair[] = [
  requalifyColumns,
  respellByPart,
  (sql, problems, catalog, profile) => (profile ? joinMissingTable(sql, problems, catalog, profile) : undefined),
  respellNames,
  nameAlias,
  qualifyAmbiguous,
  yearRepair,
  yearAliasRepair,
  groupByRepair,
];

/** The query the first repair that recognises the problem makes of it; undefined when none does. */
export function mechanicalRepair(sql: string, problems: readonly Problem[], catalog: Catalog, profile?: SchemaProfile): string | undefined {
  for (const repair of REPAIRS) {
    const fixed = repair(sql, problems, catalog, profile);
    if (fixed !== undefined) return fixed;
  }
  return undefined;
}

/**
 * "Column "grant_year" does not exist" in `… GROUP BY grant_year` where the query's table has grant_date: the model
 * grouped by a year it meant to select and never defined. It is added to the select list as `year(grant_date) AS
 * grant_year`, the per-year rows the question asked for. Only for a query without subqueries or set operations.
 */
function yearAliasRepair(sql: string, problems: readonly Problem[], catalog: Catalog): string | undefined {
  const problem = missingColumns(problems).find((p) => p.qualifier === undefined && /^\w+?_?year$/i.test(p.column ?? ""));
  if (!problem || /\(\s*SELECT\b|\b(?:UNION|INTERSECT|EXCEPT)\b/i.test(sql)) return undefined;
  const alias = problem.column ?? "";
  const stem = alias.slice(0, -"year".length).replace(/_$/, "").toLowerCase();
  const dates = tablesOf(sql, catalog).flatMap((t) => t.columns.filter((c) => /DATE|TIME/.test(c.type) && c.name.toLowerCase() === `${stem}_date`));
  const date = dates.length === 1 ? dates[0] : undefined;
  const select = /^\s*SELECT\s+(?:DISTINCT\s+)?/i.exec(sql);
  if (!date || !select) return undefined;
  return `${sql.slice(0, select[0].length)}year(${date.name}) AS ${alias}, ${sql.slice(select[0].length)}`;
}

/**
 * The checker's `Column "pet_type" does not exist … (Did you mean "pettype"?)`: its suggestion is a near spelling of
 * a name in the query's tables, and the model, told so, has repeated the wrong name. Every use outside string
 * literals is respelled.
 */
function respellNames(sql: string, problems: readonly Problem[], catalog: Catalog): string | undefined {
  let fixed = sql;
  for (const { column = "", suggestion } of missingColumns(problems)) {
    // A name some table has is not a typo: it is on the wrong table (the repairs before this one).
    if (suggestion === undefined || catalog.tables.some((t) => findColumn(t, column) !== undefined)) continue;
    const wrong = new RegExp(`(?<!\\w)${escapeRegExp(column)}(?!\\w)`, "gi");
    fixed = outsideStrings(fixed, (part) => part.replace(wrong, suggestion));
  }
  return fixed === sql ? undefined : fixed;
}

/**
 * `Column "PetType" does not exist in "T2"` where no table of the query has it, one table of the database does, and a
 * reference joins that table to one of the query's: the model joined the link table (Has_Pet) and not the table
 * behind it, and told so it swaps one mistake for another. The table is joined (`JOIN Pets AS T3 ON T3.PetID =
 * T2.PetID`) and the column moved to it, in each SELECT of a set operation. Not for queries with subqueries.
 */
function joinMissingTable(sql: string, problems: readonly Problem[], catalog: Catalog, profile: SchemaProfile): string | undefined {
  if (/\(\s*SELECT\b/i.test(sql)) return undefined;
  const blocks = sql.split(/(\s+(?:UNION(?:\s+ALL)?|INTERSECT|EXCEPT)\s+)/i);
  let changed = false;
  for (const { column = "", qualifier } of missingColumns(problems)) {
    const owners = profile.tables.filter((t) => findColumn(t, column) !== undefined);
    const owner = owners.length === 1 ? owners[0] : undefined;
    if (!owner) continue;
    for (let i = 0; i < blocks.length; i += 2) {
      const block = blocks[i] ?? "";
      const aliases = aliasesOf(block, catalog);
      const wrong = qualifier === undefined ? undefined : aliases?.get(qualifier.toLowerCase());
      const uses = wrong ? qualifiedUse(wrong.spelled, column) : bareUse(column);
      if (!aliases || (qualifier !== undefined && !wrong) || !uses.test(block) || [...aliases.values()].some((a) => a.table.name === owner.name)) continue;
      const link = linkTo(owner, [...aliases.values()].map((a) => a.table.name), profile);
      const partner = link && [...aliases.values()].find((a) => a.table.name === link.table);
      if (!link || !partner) continue;
      const alias = freshAlias(aliases, owner.name);
      const end = /\s+(?:WHERE|GROUP\s+BY|HAVING|ORDER\s+BY|LIMIT)\b/i.exec(block)?.index ?? block.length;
      const joined = `${block.slice(0, end)} JOIN ${owner.name} AS ${alias} ON ${alias}.${link.ownerColumn} = ${partner.spelled}.${link.column}${block.slice(end)}`;
      // The name as the query spells it, now on the new alias.
      blocks[i] = outsideStrings(joined, (part) => part.replace(uses, (whole) => `${alias}.${whole.slice(whole.lastIndexOf(".") + 1)}`));
      changed = true;
    }
  }
  return changed ? blocks.join("") : undefined;
}

/** The problems about a column that a table of the query (the qualifier's, or any) lacks. */
function missingColumns(problems: readonly Problem[]): Problem[] {
  return problems.filter((p) => p.kind === "unknown-column" && p.column !== undefined);
}
const qualifiedUse = (alias: string, column: string) => new RegExp(`\\b${escapeRegExp(alias)}\\.("?)${escapeRegExp(column)}\\1(?!\\w)`, "gi");
const bareUse = (column: string) => new RegExp(`(?<![\\w."])${escapeRegExp(column)}(?![\\w"(])`, "gi");

/** Applies an edit to the text between string literals only. */
function outsideStrings(sql: string, edit: (part: string) => string): string {
  return sql.split(/('(?:[^']|'')*')/).map((part, i) => (i % 2 === 1 ? part : edit(part))).join("");
}

/**
 * A missing column whose name is a word of exactly one column of the query's own tables ("age" for Pets.pet_age,
 * "code" for countrylanguage.CountryCode): small models shorten names, and the table they chose is more likely
 * meant than another table that happens to have the short name (Student.Age).
 */
function respellByPart(sql: string, problems: readonly Problem[], catalog: Catalog): string | undefined {
  if (/\(\s*SELECT\b/i.test(sql)) return undefined;
  const aliases = aliasesOf(sql, catalog);
  if (!aliases) return undefined;
  let fixed = sql;
  for (const { column = "", qualifier } of missingColumns(problems)) {
    const wanted = nameParts(column).join(" ");
    const scope = qualifier === undefined ? [...aliases.values()] : [aliases.get(qualifier.toLowerCase())].filter((a) => a !== undefined);
    const candidates = [...new Set(scope.flatMap(({ table }) => table.columns.map((c) => c.name)
      .filter((name) => name.toLowerCase() !== column.toLowerCase() && ` ${nameParts(name).join(" ")} `.includes(` ${wanted} `))))];
    const only = candidates.length === 1 ? candidates[0] : undefined;
    const alias = qualifier === undefined ? undefined : scope[0]?.spelled;
    if (only === undefined || (qualifier !== undefined && alias === undefined)) continue;
    const uses = alias === undefined ? bareUse(column) : qualifiedUse(alias, column);
    fixed = outsideStrings(fixed, (part) => part.replace(uses, alias === undefined ? only : `${alias}.${only}`));
  }
  return fixed === sql ? undefined : fixed;
}

/** "CountryCode" and "country_code" alike: ["country", "code"]. */
function nameParts(name: string): string[] {
  return name.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase().split(/[^a-z0-9]+/).filter((p) => p !== "");
}

/** T3 after T1 and T2, as small models name aliases; else the table's initial with a number no alias has. */
function freshAlias(aliases: ReadonlyMap<string, unknown>, table: string): string {
  const taken = [...aliases.keys()];
  const numbered = taken.map((a) => /^t(\d+)$/.exec(a)?.[1]).filter((n): n is string => n !== undefined).map(Number);
  if (numbered.length > 0) return `T${Math.max(...numbered) + 1}`;
  const initial = table.slice(0, 1).toLowerCase();
  for (let n = 1; ; n++) if (!taken.includes(`${initial}${n}`)) return `${initial}${n}`;
}

/**
 * DuckDB's `Ambiguous reference to column name "Document_ID" (use: "T1.Document_ID" or "T2.Document_ID")`: the model
 * joined two tables on that column and then named it bare. Either side holds the same value after the join, so the
 * first one the engine offers is written wherever the name stands alone outside string literals.
 */
function qualifyAmbiguous(sql: string, problems: readonly Problem[]): string | undefined {
  const problem = problems.find((p) => p.kind === "ambiguous-column" && p.column !== undefined && p.candidates?.[0] !== undefined);
  const first = problem?.candidates?.[0];
  if (!problem || first === undefined) return undefined;
  const fixed = outsideStrings(sql, (part) => part.replace(bareUse(problem.column ?? ""), first));
  return fixed === sql ? undefined : fixed;
}

/**
 * The checker's `"p" is not a table or alias in this query` where one table of the query has no alias and has every
 * column the query reads through `p.`: the model used an alias it never gave (`FROM patents WHERE p.kind = 'B2'`).
 */
function nameAlias(sql: string, problems: readonly Problem[], catalog: Catalog): string | undefined {
  const alias = problems.find((p) => p.kind === "unknown-qualifier")?.qualifier;
  const aliases = aliasesOf(sql, catalog);
  if (alias === undefined || !aliases) return undefined;
  const used = [...sql.matchAll(new RegExp(`(?<![\\w.])${escapeRegExp(alias)}\\.("?)(\\w+)\\1`, "gi"))].map((m) => m[2] ?? "");
  const bare = [...aliases.values()].filter(({ table, spelled }) => spelled.toLowerCase() === table.name.toLowerCase() &&
    used.every((column) => findColumn(table, column) !== undefined));
  const only = bare.length === 1 ? bare[0] : undefined;
  if (!only || used.length === 0) return undefined;
  const fixed = sql.replace(new RegExp(`\\b(FROM|JOIN)(\\s+)("?)${escapeRegExp(only.spelled)}\\3(?![\\w.])`, "i"), (whole) => `${whole} AS ${alias}`);
  return fixed === sql ? undefined : fixed;
}

/**
 * DuckDB's "invalid date field format: "2009"" for `filing_date > '2009'`: the model compared a date with a year.
 * Comparing the date's year says what it meant, for every operator (`year(filing_date) > 2009`).
 */
function yearRepair(sql: string, problems: readonly Problem[], catalog: Catalog): string | undefined {
  if (!problems.some((p) => p.kind === "date-format" && /^\d{4}$/.test(p.value ?? ""))) return undefined;
  const tables = tablesOf(sql, catalog);
  const isDate = (ref: string) => {
    const name = ref.split(".").pop()?.replace(/"/g, "") ?? "";
    return tables.some((t) => /DATE|TIME/.test(findColumn(t, name)?.type ?? ""));
  };
  const column = String.raw`((?:\w+\.)?"?\w+"?)`;
  const fixed = sql
    .replace(new RegExp(String.raw`${column}\s+BETWEEN\s+'(\d{4})'\s+AND\s+'(\d{4})'`, "gi"), (whole, ref: string, low: string, high: string) =>
      (isDate(ref) ? `year(${ref}) BETWEEN ${low} AND ${high}` : whole))
    .replace(new RegExp(String.raw`${column}\s*(=|<>|!=|>=|<=|>|<)\s*'(\d{4})'`, "g"), (whole, ref: string, op: string, year: string) =>
      (isDate(ref) ? `year(${ref}) ${op} ${year}` : whole));
  return fixed === sql ? undefined : fixed;
}

const NOT_ALIASES = new Set(("WHERE ON INNER LEFT RIGHT FULL OUTER CROSS JOIN NATURAL USING GROUP ORDER LIMIT HAVING UNION " +
  "INTERSECT EXCEPT WINDOW QUALIFY").split(" "));

/**
 * The table each alias of a query names (a table without alias names itself), by the alias in lower case, with the
 * alias as the query spells it; undefined when an alias names two tables.
 */
function aliasesOf(sql: string, catalog: Catalog): Map<string, { table: TableInfo; spelled: string }> | undefined {
  const aliases = new Map<string, { table: TableInfo; spelled: string }>();
  // The alias is read ahead, not consumed: in "FROM a JOIN b" the word after a is the next JOIN.
  for (const m of sql.matchAll(/\b(?:FROM|JOIN)\s+"?(\w+)"?(?=(?:\s+(?:AS\s+)?(\w+))?)/gi)) {
    const table = findTable(catalog, m[1] ?? "");
    if (!table) continue;
    const spelled = m[2] !== undefined && !NOT_ALIASES.has(m[2].toUpperCase()) ? m[2] : m[1] ?? "";
    const seen = aliases.get(spelled.toLowerCase());
    if (seen && seen.table !== table) return undefined;
    aliases.set(spelled.toLowerCase(), { table, spelled });
  }
  return aliases;
}

/** The tables a query names, each once per alias. */
function tablesOf(sql: string, catalog: Catalog): TableInfo[] {
  return [...(aliasesOf(sql, catalog)?.values() ?? [])].map((a) => a.table);
}

/**
 * The checker's "Column "fname" does not exist in "t1"" where exactly one other table of the query has that column:
 * small models join the right tables but qualify a column with the wrong alias (a sixth of a Spider sample was
 * blocked so), and the fix is that other alias.
 */
function requalifyColumns(sql: string, problems: readonly Problem[], catalog: Catalog): string | undefined {
  const aliases = aliasesOf(sql, catalog);
  if (!aliases) return undefined;
  let fixed = sql;
  for (const { column = "", qualifier } of missingColumns(problems)) {
    if (qualifier === undefined) continue;
    const wrong = qualifier.toLowerCase();
    if (!aliases.has(wrong)) continue;
    const owners = [...aliases.values()].filter(({ table }) => findColumn(table, column) !== undefined);
    const right = owners.length === 1 ? owners[0] : undefined;
    if (!right) continue;
    fixed = fixed.replace(qualifiedUse(wrong, column), (whole) => `${right.spelled}${whole.slice(wrong.length)}`);
  }
  return fixed === sql ? undefined : fixed;
}

/**
 * For the engine's "must appear in the GROUP BY clause" on a query without GROUP BY:
 * - the column is in the select list beside an aggregate ("SELECT assignee, count(*) … LIMIT 5"): it is what the
 *   rows are counted by, so a GROUP BY on it is added;
 * - otherwise small models have ended a single-number query with an ORDER BY copied from a listing
 *   ("SELECT count(*) … ORDER BY publication_number"); without GROUP BY that ORDER BY cannot change the one row,
 *   so it is dropped.
 * Only the outer query is touched: nothing is done when a subquery follows the place of the edit.
 */
function groupByRepair(sql: string, problems: readonly Problem[]): string | undefined {
  const missing = problems.find((p) => p.kind === "not-grouped");
  if (!missing || /\bGROUP\s+BY\b/i.test(sql)) return undefined;
  const column = missing.column ?? "";
  const selectList = /^\s*SELECT\s+(?:DISTINCT\s+)?([\s\S]*?)\s+FROM\s/i.exec(sql)?.[1] ?? "";
  const key = selectList.split(",").map((item) => item.trim()).find((item) => new RegExp(`^(?:\\w+\\.)?"?${escapeRegExp(column)}"?$`, "i").test(item));
  const tail = /\s+(?:HAVING|ORDER\s+BY|LIMIT)\b|$/i.exec(sql.slice(sql.lastIndexOf(")") + 1));
  if (key !== undefined && tail) {
    const at = sql.lastIndexOf(")") + 1 + tail.index;
    return `${sql.slice(0, at)} GROUP BY ${key}${sql.slice(at)}`.trim();
  }
  const order = /\s+ORDER\s+BY\s+[^()]*?(?=\s+LIMIT\b|$)/i.exec(sql);
  if (!order || order.index < sql.lastIndexOf(")")) return undefined;
  return (sql.slice(0, order.index) + sql.slice(order.index + order[0].length)).trim();
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
export function whereColumnsAre(problems: readonly Problem[], sql: string, profile: SchemaProfile, catalog: Catalog): ColumnHome[] {
  const inQuery = tablesOf(sql, catalog).map((t) => t.name);
  const homes = new Map<string, ColumnHome>();
  for (const { column = "" } of missingColumns(problems)) {
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
export function selfJoinProblem(sql: string, profile: SchemaProfile): Problem | undefined {
  const tables = [...sql.matchAll(/\b(?:FROM|JOIN)\s+"?(\w+)"?/gi)].map((m) => ({ name: m[1] ?? "", at: m.index }));
  for (const m of sql.matchAll(/\bON\s+(\w+)\.("?\w+"?)\s*=\s*(\w+)\.("?\w+"?)/gi)) {
    if ((m[1] ?? "").toLowerCase() !== (m[3] ?? "").toLowerCase() || (m[2] ?? "").toLowerCase() !== (m[4] ?? "").toLowerCase()) continue;
    const before = tables.filter((t) => t.at < m.index);
    const joined = findTable(profile, before.at(-1)?.name ?? "");
    const partner = findTable(profile, before.at(-2)?.name ?? "");
    if (!joined || !partner) continue;
    const path = joinPath(partner.name, joined.name, profile);
    return {
      kind: "self-join", origin: "pipeline", dialect: profile.dialect,
      join: { condition: m[0], partner: partner.name, joined: joined.name, ...(path ? { path } : {}) },
      message: `the join "${m[0]}" compares a column with itself`,
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
