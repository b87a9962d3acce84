/**
 * The catalog half of the syntax checker: every table and column a query names must exist on the
 * connection, with CTEs, aliases and subquery outputs understood; a miss says "did you mean …".
 */
import type { Catalog } from "../core/catalog.js";
import type { Finding } from "../core/verdict.js";
import { findWord } from "./lexer.js";
import { RULES } from "./rules.js";
import { visitScopes, type BlockScope } from "./scope.js";
import type { ColumnRef, ParsedSql } from "./tree.js";

/** Names the engines accept where a column could stand, though no table has them. */
const BUILTIN_NAMES = new Set([
  "current_date", "current_time", "current_timestamp", "localtime", "localtimestamp", "true", "false", "null",
  "rowid", "excluded", "current_catalog", "current_schema", "current_user", "session_user", "user", "default",
]);

/** Validates tables and columns of every SELECT in `tree` against `catalog`. */
export function checkCatalog(sql: string, tree: ParsedSql, catalog: Catalog): Finding[] {
  const findings: Finding[] = [];
  const tableNames = catalog.tables.map((t) => t.name);
  for (const statement of tree.statements) {
    if (!statement.query) continue;
    visitScopes(statement.query, catalog, (scope) => {
      for (const s of scope.sources) {
        if (s.kind !== "table") continue;
        const name = s.source.name.parts.join(".");
        const candidates = [...tableNames, ...scope.ctes.keys()];
        const suggestion = closest(s.source.name.parts.at(-1) ?? name, candidates);
        findings.push({
          rule: RULES.unknownTable,
          severity: "error",
          message: `Table "${name}" does not exist on this connection.`,
          subject: { table: name, ...(suggestion ? { suggestion } : {}) },
          hint: suggestion ? `Did you mean "${suggestion}"?` : "Use %schema to list the tables you can query.",
          ...(s.source.position ?? findWord(sql, s.source.name.parts.at(-1) ?? name) ?? {}),
        });
      }
      for (const ref of scope.block.columns) checkColumn(sql, ref, scope, findings);
    });
  }
  return findings;
}

function checkColumn(sql: string, ref: ColumnRef, scope: BlockScope, findings: Finding[]): void {
  if (BUILTIN_NAMES.has(ref.name) && !ref.qualifier) return;
  const scopes = [scope, ...scope.outer];
  if (ref.qualifier) {
    for (const s of scopes) {
      const source = s.sources.find((r) => r.names.includes(ref.qualifier ?? ""));
      if (!source) continue;
      if (ref.name === "*" || source.kind === "table") return;
      const columns = source.columns;
      if (!columns || columns.has(ref.name)) return;
      findings.push(unknownColumn(sql, ref, [...columns], `"${ref.qualifier}"`, ref.qualifier));
      return;
    }
    // `s.field` on a struct column, or a qualifier naming a column of another source: let the engine decide.
    if (scopes.some((s) => s.sources.some((r) => r.kind === "table" || !r.columns || r.columns.has(ref.qualifier ?? "")))) return;
    findings.push({
      rule: RULES.unknownTable,
      severity: "error",
      message: `"${ref.qualifier}" is not a table or alias in this query.`,
      subject: { qualifier: ref.qualifier },
      hint: hintFor(ref.qualifier, scopes.flatMap((s) => s.sources.flatMap((r) => r.names))),
      ...(ref.position ?? findWord(sql, ref.qualifier) ?? {}),
    });
    return;
  }
  if (ref.name === "*") return;
  const known: string[] = [];
  for (const s of scopes) {
    if (s.block.aliases.includes(ref.name)) return;
    for (const source of s.sources) {
      if (source.kind === "table" || !source.columns) return;
      if (source.columns.has(ref.name)) return;
      known.push(...source.columns);
    }
  }
  if (scope.sources.length === 0 && scope.outer.length === 0) return;
  if (ref.quoted) {
    findings.push({
      rule: RULES.quotedIdentifier,
      severity: "warning",
      message: `"${ref.name}" is in double quotes, which name a column here, and no table has that column.`,
      hint: "Write strings in single quotes: 'like this'.",
      ...(ref.position ?? findWord(sql, ref.name) ?? {}),
    });
    return;
  }
  findings.push(unknownColumn(sql, ref, known, "any table of this query"));
}

function unknownColumn(sql: string, ref: ColumnRef, known: readonly string[], where: string, qualifier?: string): Finding {
  const suggestion = closest(ref.name, known);
  return {
    rule: RULES.unknownColumn,
    severity: "error",
    message: `Column "${ref.name}" does not exist in ${where}.`,
    subject: { column: ref.name, ...(qualifier !== undefined ? { qualifier } : {}), ...(suggestion ? { suggestion } : {}) },
    hint: hintFor(ref.name, known),
    ...(ref.position ?? findWord(sql, ref.name) ?? {}),
  };
}

function hintFor(name: string, candidates: readonly string[]): string {
  const suggestion = closest(name, candidates);
  return suggestion ? `Did you mean "${suggestion}"?` : "Use %schema to list the columns you can query.";
}

/** The candidate nearest to `name` by edit distance, when near enough to be a typo. */
export function closest(name: string, candidates: readonly string[]): string | undefined {
  const wanted = name.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of new Set(candidates)) {
    const d = editDistance(wanted, c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  const allowed = Math.max(1, Math.floor(wanted.length / 3));
  return bestDistance <= allowed ? best : undefined;
}

/** Edit distance counting a swap of neighbours as one edit (optimal string alignment): `titel` → `title` is 1. */
export function editDistance(a: string, b: string): number {
  let before: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, (before[j - 2] ?? 0) + 1);
      row.push(d);
    }
    before = prev;
    prev = row;
  }
  return prev[b.length] ?? 0;
}
