/**
 * Shaping of a model's answer before it runs, with no model and no data: a looping answer cut back, a grouped
 * answer given its groups and an order. Text edits on the outer query, guarded by patterns rather than a parse, so
 * each one leaves alone what it does not recognise.
 */

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

const AGGREGATE = /^(?:count|sum|avg|min|max|median|round|stddev\w*|string_agg|list|array_agg)\s*\(/i;

/** The select list and GROUP BY keys of a plain grouped query (no subquery, no set operation, no DISTINCT). */
function groupedQuery(sql: string): { items: string[]; keys: string[]; listAt: number } | undefined {
  if (/\(\s*SELECT\b|\b(?:UNION|INTERSECT|EXCEPT)\b/i.test(sql)) return undefined;
  const select = /^\s*SELECT\s+(?!DISTINCT\b)([\s\S]*?)\s+FROM\s/i.exec(sql);
  const group = /\sGROUP\s+BY\s+([\s\S]*?)(?=\s+(?:HAVING|ORDER\s+BY|LIMIT|QUALIFY|WINDOW)\b|$)/i.exec(sql);
  if (!select || !group) return undefined;
  const keys = splitTopLevel(group[1] ?? "");
  if (keys.some((key) => /^\d+$/.test(key) || /^(?:ALL|ROLLUP|CUBE|GROUPING)\b/i.test(key))) return undefined;
  return { items: splitTopLevel(select[1] ?? ""), keys, listAt: sql.indexOf(select[1] ?? "", select.index) };
}

/**
 * A grouped query that selects only aggregates ("SELECT count(*) … GROUP BY country") answers with numbers
 * nobody can tell apart: the model forgot the groups, so they are put first in the select list.
 */
export function showGroups(sql: string): string {
  const query = groupedQuery(sql);
  if (!query || !query.items.every((item) => AGGREGATE.test(item))) return sql;
  return `${sql.slice(0, query.listAt)}${query.keys.join(", ")}, ${sql.slice(query.listAt)}`;
}

/**
 * A grouped query without ORDER BY comes back in no particular order (DuckDB's hash order changes from run to
 * run). Groups are listed as people read such tables: years in order, anything else biggest first, then by name.
 */
export function orderGroups(sql: string): string {
  const query = groupedQuery(sql);
  if (!query || /\bORDER\s+BY\b/i.test(sql)) return sql;
  const named = query.items.map((item) => ({ item, name: /\s+AS\s+("?\w+"?)$/i.exec(item)?.[1] ?? item }));
  const labels = named.filter(({ item }) => !AGGREGATE.test(item));
  const measure = named.find(({ item }) => AGGREGATE.test(item));
  if (!measure || labels.length === 0) return sql;
  const years = labels.filter(({ item }) => /year/i.test(item));
  const order = years.length > 0 ? years.map((l) => l.name) : [`${measure.name} DESC`, ...labels.map((l) => l.name)];
  const limit = /\s+LIMIT\s+\d+\s*$/i.exec(sql);
  const at = limit ? limit.index : sql.length;
  return `${sql.slice(0, at)} ORDER BY ${order.join(", ")}${sql.slice(at)}`;
}

/** Comma-separated items outside parentheses, trimmed. */
function splitTopLevel(list: string): string[] {
  const items: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < list.length; i++) {
    const ch = list[i];
    if (ch === "(") depth++;
    else if (ch === ")") depth--;
    else if (ch === "," && depth === 0) {
      items.push(list.slice(start, i).trim());
      start = i + 1;
    }
  }
  items.push(list.slice(start).trim());
  return items.filter((item) => item !== "");
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
