import { DataType, type Table } from "apache-arrow";

/** Rows as plain values, one array per row in column order. */
export interface ResultRows {
  readonly columns: readonly string[];
  readonly rows: readonly (readonly unknown[])[];
}

/** Whether two results count as the same answer, and why not when they do not. */
export interface Comparison {
  readonly match: boolean;
  readonly reason?: string;
}

/** Significant digits kept for non-integers: sums and averages computed in another order still agree. */
const FLOAT_DIGITS = 10;
/** Column orders tried before giving up; wide results with many identical columns would otherwise explode. */
const MAPPING_BUDGET = 10_000;

function pad(n: number): string {
  return String(n).padStart(2, "0");
}

/** `YYYY-MM-DD`, with ` HH:MM:SS` when there is a time of day: how SQLite text dates read, so both compare. */
function dateText(ms: number, withTime: boolean): string {
  const d = new Date(ms);
  const day = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  const seconds = d.getUTCMilliseconds() ? `${pad(d.getUTCSeconds())}.${String(d.getUTCMilliseconds()).padStart(3, "0")}` : pad(d.getUTCSeconds());
  return withTime ? `${day} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${seconds}` : day;
}

function numberKey(value: number): string {
  if (Number.isInteger(value)) return `n:${value}`;
  if (!Number.isFinite(value)) return `n:${value}`;
  return `n:${Number(value.toPrecision(FLOAT_DIGITS))}`;
}

/**
 * The comparable form of one value. Engines disagree on representation, not on meaning: 3, 3n, 3.0 and "3" are
 * one number; booleans are 0/1 as in SQLite; floats agree to ten significant digits; dates read as text.
 */
export function valueKey(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "bigint") {
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? `n:${Number(value)}` : `n:${value}`;
  }
  if (typeof value === "number") return numberKey(value);
  if (typeof value === "boolean") return `n:${value ? 1 : 0}`;
  if (typeof value === "string") {
    const number = Number(value);
    return value.trim() !== "" && Number.isFinite(number) ? numberKey(number) : `s:${value}`;
  }
  if (value instanceof Date) return `s:${dateText(value.getTime(), true)}`;
  if (value instanceof Uint8Array) return `b:${Buffer.from(value).toString("hex")}`;
  return `j:${JSON.stringify(value)}`;
}

/** Plain rows out of an engine's Arrow result; dates and timestamps become text as {@link valueKey} reads them. */
export function tableRows(table: Table): ResultRows {
  const fields = table.schema.fields;
  const columns = fields.map((field, c) => {
    const vector = table.getChildAt(c);
    const values: unknown[] = [];
    for (let i = 0; i < table.numRows; i++) {
      const value: unknown = vector?.get(i) ?? null;
      if (typeof value === "number" && DataType.isDate(field.type)) values.push(dateText(value, false));
      else if (typeof value === "number" && DataType.isTimestamp(field.type)) values.push(dateText(value, true));
      else values.push(value);
    }
    return values;
  });
  const rows = Array.from({ length: table.numRows }, (_v, i) => columns.map((values) => values[i]));
  return { columns: fields.map((f) => f.name), rows };
}

/**
 * Whether the gold query's top level fixes the row order. Spider's evaluation treats any ORDER BY as ordered;
 * one only inside a subquery does not order the result, so parenthesised text is skipped.
 */
export function isOrdered(sql: string): boolean {
  let depth = 0;
  const text = sql.replace(/'(?:[^']|'')*'|"(?:[^"]|"")*"/g, "''");
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === "(") depth++;
    else if (ch === ")") depth--;
    else if (depth === 0 && /^order\s+by\b/i.test(text.slice(i, i + 20)) && /\W/.test(text[i - 1] ?? " ")) return true;
  }
  return false;
}

function sortedColumn(keys: readonly (readonly string[])[], c: number): string {
  return keys.map((row) => row[c] ?? "").sort().join("\u0000");
}

/**
 * Maps each gold column to a distinct predicted column so that, under that mapping, the rows agree (as a sequence
 * when `ordered`, else as a multiset). Column names and order need not match, as in Spider's test-suite
 * evaluation; candidates are pruned by each column's multiset of values before rows are compared.
 */
function findColumnMapping(gold: readonly (readonly string[])[], predicted: readonly (readonly string[])[], width: number, ordered: boolean): boolean {
  const goldColumns = Array.from({ length: width }, (_v, c) => sortedColumn(gold, c));
  const predictedColumns = Array.from({ length: width }, (_v, c) => sortedColumn(predicted, c));
  const candidates = goldColumns.map((g) => predictedColumns.flatMap((p, c) => (p === g ? [c] : [])));
  const goldRows = gold.map((row) => row.join("\u0001"));
  if (!ordered) goldRows.sort();
  const mapping: number[] = [];
  const used = new Set<number>();
  let budget = MAPPING_BUDGET;
  const rowsAgree = (): boolean => {
    const mapped = predicted.map((row) => mapping.map((c) => row[c] ?? "").join("\u0001"));
    if (!ordered) mapped.sort();
    return mapped.every((row, i) => row === goldRows[i]);
  };
  const search = (g: number): boolean => {
    if (g === width) return budget-- > 0 && rowsAgree();
    for (const c of candidates[g] ?? []) {
      if (used.has(c) || budget <= 0) continue;
      used.add(c);
      mapping.push(c);
      if (search(g + 1)) return true;
      mapping.pop();
      used.delete(c);
    }
    return false;
  };
  return search(0);
}

/** Execution match: same number of columns and rows, and the same values under some column order. */
export function compareResults(gold: ResultRows, predicted: ResultRows, ordered: boolean): Comparison {
  const goldWidth = gold.columns.length;
  if (predicted.columns.length !== goldWidth) {
    return { match: false, reason: `${predicted.columns.length} columns where the gold result has ${goldWidth}` };
  }
  if (predicted.rows.length !== gold.rows.length) {
    return { match: false, reason: `${predicted.rows.length} rows where the gold result has ${gold.rows.length}` };
  }
  const goldKeys = gold.rows.map((row) => row.map(valueKey));
  const predictedKeys = predicted.rows.map((row) => row.map(valueKey));
  if (findColumnMapping(goldKeys, predictedKeys, goldWidth, ordered)) return { match: true };
  return { match: false, reason: ordered ? "different values or order" : "different values" };
}
