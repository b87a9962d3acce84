import type { ColumnProfile, SchemaProfile, TableProfile } from "../models/profile.js";
import { quotedIdentifier } from "../core/sql-text.js";
import type { Template } from "./template.js";

/** Instances drawn per slot for the generic templates: the most frequent values first. */
const VALUES_PER_SLOT = 8;

/** How a table or column name reads in a question: `patent_inventors` → "patent inventors". */
const words = (name: string) => name.replace(/_/g, " ").replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase();

/**
 * Templates any schema supports, from its profile alone (cold data: no saved examples, no library): row counts,
 * lookups and counts by a category value, per-group counts, top-k, yearly trends on date columns, averages of
 * numbers per group, and counts along the references the profile inferred (Parquet declares no foreign keys).
 */
export function genericTemplates(profile: SchemaProfile): Template[] {
  const q = (name: string) => quotedIdentifier(name, profile.dialect);
  const templates: Template[] = [];
  for (const table of profile.tables) {
    const t = q(table.name);
    const rows = words(table.name);
    const shown = showColumns(table).map((c) => q(c.name)).join(", ");
    templates.push({
      id: `${table.name}.count`, kind: "count", slots: {},
      sql: `SELECT count(*) AS n FROM ${t}`,
      phrasings: [`How many ${rows} are there?`, `Count the rows of ${rows}.`, `What is the total number of ${rows}?`],
    });
    for (const column of table.columns) {
      const c = q(column.name);
      const what = words(column.name);
      if (column.kind === "category") {
        const values = { type: "string", values: `SELECT ${c} FROM ${t} WHERE ${c} IS NOT NULL GROUP BY ${c} ORDER BY count(*) DESC LIMIT ${VALUES_PER_SLOT}` } as const;
        templates.push(
          { id: `${table.name}.${column.name}.count_where`, kind: "count", slots: { value: values },
            sql: `SELECT count(*) AS n FROM ${t} WHERE ${c} = {{value}}`,
            phrasings: [`How many ${rows} have ${what} {{value}}?`, `Count the ${rows} whose ${what} is {{value}}.`] },
          { id: `${table.name}.${column.name}.lookup`, kind: "lookup", slots: { value: values },
            sql: `SELECT ${shown} FROM ${t} WHERE ${c} = {{value}}`,
            phrasings: [`List the ${rows} with ${what} {{value}}.`, `Show the ${rows} where ${what} is {{value}}.`] },
          { id: `${table.name}.${column.name}.per_group`, kind: "per_group", slots: {},
            sql: `SELECT ${c}, count(*) AS n FROM ${t} GROUP BY ${c} ORDER BY n DESC`,
            phrasings: [`How many ${rows} are there for each ${what}?`, `Number of ${rows} per ${what}, largest first.`] },
          { id: `${table.name}.${column.name}.top_k`, kind: "top_k", slots: {},
            sql: `SELECT ${c}, count(*) AS n FROM ${t} WHERE ${c} IS NOT NULL GROUP BY ${c} ORDER BY n DESC LIMIT 5`,
            phrasings: [`Which 5 ${what} values have the most ${rows}?`, `Top 5 ${what} by number of ${rows}.`] },
        );
        for (const number of table.columns.filter((n) => n.kind === "number" && !n.unique)) {
          templates.push({ id: `${table.name}.${column.name}.avg_${number.name}`, kind: "per_group", slots: {},
            sql: `SELECT ${c}, avg(${q(number.name)}) AS average FROM ${t} GROUP BY ${c}`,
            phrasings: [`What is the average ${words(number.name)} for each ${what}?`, `Average ${words(number.name)} of ${rows} per ${what}.`] });
        }
      }
      if (column.kind === "date") {
        templates.push(
          { id: `${table.name}.${column.name}.trend`, kind: "trend", slots: {},
            sql: `SELECT year(${c}) AS yr, count(*) AS n FROM ${t} WHERE ${c} IS NOT NULL GROUP BY yr ORDER BY yr`,
            phrasings: [`How many ${rows} are there per year of ${what}?`, `Yearly number of ${rows} by ${what}.`] },
          { id: `${table.name}.${column.name}.in_year`, kind: "count", slots: { year: { type: "number", values: `SELECT DISTINCT year(${c}) FROM ${t} WHERE ${c} IS NOT NULL ORDER BY 1 DESC LIMIT ${VALUES_PER_SLOT}` } },
            sql: `SELECT count(*) AS n FROM ${t} WHERE year(${c}) = {{year}}`,
            phrasings: [`How many ${rows} have a ${what} in {{year}}?`, `Count the ${rows} with ${what} during {{year}}.`] },
        );
      }
      templates.push(...referenceTemplates(profile, table, column, q));
    }
  }
  return templates;
}

/** Per-parent counts along an inferred reference: "which <parent category> has the most <child rows>". */
function referenceTemplates(profile: SchemaProfile, table: TableProfile, column: ColumnProfile, q: (n: string) => string): Template[] {
  const ref = column.references;
  const parent = ref && profile.tables.find((t) => t.name === ref.table);
  if (!ref || !parent) return [];
  return parent.columns.filter((c) => c.kind === "category").map((group) => ({
    id: `${table.name}.${column.name}.by_${parent.name}.${group.name}`, kind: "join", slots: {},
    sql: `SELECT p.${q(group.name)}, count(*) AS n FROM ${q(table.name)} c JOIN ${q(parent.name)} p ON c.${q(column.name)} = p.${q(ref.column)} ` +
      `WHERE p.${q(group.name)} IS NOT NULL GROUP BY p.${q(group.name)} ORDER BY n DESC LIMIT 10`,
    phrasings: [`Which ${words(group.name)} of ${words(parent.name)} have the most ${words(table.name)}?`,
      `Top 10 ${words(parent.name)} ${words(group.name)} by number of ${words(table.name)}.`],
  }));
}

/**
 * What a listing shows: the row's identifier and its first free-text column (a patent's number and title, the
 * convention users expect), then categories; a listing without the title was a common miss of the model.
 */
function showColumns(table: TableProfile): ColumnProfile[] {
  const first = (kind: ColumnProfile["kind"]) => table.columns.filter((c) => c.kind === kind);
  const columns = [...first("identifier").slice(0, 1), ...first("text").slice(0, 1), ...first("category").slice(0, 2)];
  return columns.length > 0 ? columns : table.columns.slice(0, 3);
}
