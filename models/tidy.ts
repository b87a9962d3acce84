/**
 * Shaping of a model's answer before it runs, with no model and no data: a looping answer cut back (its text does
 * not parse, so it is cut at the AND/OR tokens of the checker's lexer), a grouped answer given its groups and an order (on its parse tree).
 */
import type { Dialect } from "../core/engine.js";
import { lex } from "../checks/lexer.js";
import { EditableQuery, EditableSelect } from "../checks/sql-edit.js";

/**
 * An answer cut at the token limit is nearly always a loop: greedy decoding repeats one condition
 * ("AND p.publication_number IN (SELECT …)", "OR assignee ILIKE …") until the limit. Each condition is kept once and the unfinished
 * one at the end is dropped; what is left is the query the model had written before it began to repeat itself.
 */
export function dropRepeatedConditions(sql: string): string {
  const tokens = lex(sql).filter((t) => t.kind !== "comment");
  const separators = tokens.filter((t) => t.kind === "word" && (t.value === "and" || t.value === "or"));
  const first = separators[0];
  if (!first) return sql;
  // A condition is known by its tokens, so spacing and case do not make a repeat look new.
  const condition = (from: number, to: number) => tokens.filter((t) => t.start >= from && t.end <= to).map((t) => t.value).join(" ");
  // The first condition is what follows the last WHERE, ON or HAVING before the first AND/OR.
  const clause = tokens.filter((t) => t.end <= first.start && t.kind === "word" && ["where", "on", "having"].includes(t.value)).at(-1);
  const seen = new Set([condition(clause?.end ?? 0, first.start)]);
  const kept = [sql.slice(0, first.start).trimEnd()];
  separators.forEach((separator, i) => {
    const end = separators[i + 1]?.start ?? sql.length;
    const text = condition(separator.end, end);
    if (seen.has(text)) return;
    seen.add(text);
    kept.push(` ${sql.slice(separator.start, end).trimEnd()}`);
  });
  while (kept.length > 1 && !balanced(kept.join(""))) kept.pop();
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

/** Parentheses closed and every string literal closed: the text can end there. */
function balanced(sql: string): boolean {
  let depth = 0;
  for (const token of lex(sql)) {
    if (token.kind === "string" && token.unterminated) return false;
    if (token.kind !== "op") continue;
    depth += token.value === "(" ? 1 : token.value === ")" ? -1 : 0;
    if (depth < 0) return false;
  }
  return depth === 0;
}

/** An answer whose date literals name only a year or a month (`DATE '2020'`) given their first day, on its parse tree. */
export async function completeDates(sql: string, dialect: Dialect): Promise<string> {
  const query = await EditableQuery.of(sql, dialect);
  return query?.completePartialDates() ? query.print() : sql;
}
