/**
 * Shaping of a model's answer before it runs, with no model and no data: a looping answer cut back (its text does
 * not parse, so it is cut at conditions), a grouped answer given its groups and an order (on its parse tree).
 */
import type { Dialect } from "../core/engine.js";
import { EditableSelect } from "../checks/sql-edit.js";

/**
 * An answer cut at the token limit is nearly always a loop: greedy decoding repeats one condition
 * ("AND p.publication_number IN (SELECT …)", "OR assignee ILIKE …") until the limit. Each condition is kept once and the unfinished
 * one at the end is dropped; what is left is the query the model had written before it began to repeat itself.
 */
export function dropRepeatedConditions(sql: string): string {
  const parts = sql.split(/(\s+(?:AND|OR)\s+)/i);
  const kept = parts.slice(0, 1);
  // The first condition is what follows the last WHERE, ON or HAVING of the text before the first AND/OR.
  const seen = new Set([(parts[0] ?? "").split(/\b(?:WHERE|ON|HAVING)\s+/i).at(-1)]);
  for (let i = 1; i + 1 < parts.length; i += 2) {
    const condition = parts[i + 1] ?? "";
    if (seen.has(condition)) continue;
    seen.add(condition);
    kept.push(parts[i] ?? " AND ", condition);
  }
  while (kept.length > 1 && !balanced(kept.join(""))) kept.splice(-2);
  return kept.join("");
}

/**
 * A grouped answer made readable, on its parse tree:
 * - one that selects only aggregates ("SELECT count(*) … GROUP BY country") answers with numbers nobody can tell
 *   apart: the model forgot the groups, so they are put first in the select list;
 * - one without ORDER BY comes back in no particular order (DuckDB's hash order changes from run to run): groups are
 *   listed as people read such tables, years in order, anything else biggest first, then by name.
 * A query that is not one plain grouped SELECT (set operations, subqueries, DISTINCT, positional or ROLLUP keys, or
 * syntax the parser does not read) is left as the model wrote it, and so is one that needs neither edit.
 */
export async function tidyGroups(sql: string, dialect: Dialect): Promise<string> {
  const query = await EditableSelect.of(sql, dialect);
  const keys = query?.groupKeys ?? [];
  if (!query || keys.length === 0 || keys.some((k) => !k.plain)) return sql;
  let changed = false;
  if (query.items.every((item) => item.aggregate)) {
    query.selectGroupKeys();
    changed = true;
  }
  if (!query.ordered) {
    const items = query.items.map((item, index) => ({ ...item, index }));
    const labels = items.filter((item) => !item.aggregate);
    const measure = items.find((item) => item.aggregate);
    const years = labels.filter((item) => item.names.some((name) => name.includes("year")));
    if (measure && labels.length > 0) {
      query.orderBy(years.length > 0 ? years.map((y) => ({ item: y.index, descending: false }))
        : [{ item: measure.index, descending: true }, ...labels.map((l) => ({ item: l.index, descending: false }))]);
      changed = true;
    }
  }
  return changed ? query.print() : sql;
}

/** Parentheses closed and quotes even: the text can end there. */
function balanced(sql: string): boolean {
  const unquoted = sql.replace(/'(?:[^']|'')*'/g, "''");
  if (/'/.test(unquoted.replace(/''/g, ""))) return false;
  let depth = 0;
  for (const ch of unquoted) {
    depth += ch === "(" ? 1 : ch === ")" ? -1 : 0;
    if (depth < 0) return false;
  }
  return depth === 0;
}
