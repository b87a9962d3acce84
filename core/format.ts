import { DataType, type Table } from "apache-arrow";

/** The Arrow field metadata key under which every engine keeps a result column's own SQL type. */
export const SQL_TYPE_KEY = "streamlink.sql_type";

/** The engine's SQL type of a result column (kept in field metadata by the engines), else Arrow's type. */
export function columnSqlType(table: Table, index: number): string {
  const field = table.schema.fields[index];
  return field?.metadata.get(SQL_TYPE_KEY) ?? String(field?.type ?? "");
}

/** One cell as text: dates as ISO dates, big integers exact, nulls as NULL. */
export function formatCell(value: unknown, type: DataType | undefined): string {
  if (value === null || value === undefined) return "NULL";
  if (type && DataType.isDate(type)) return new Date(Number(value)).toISOString().slice(0, 10);
  if (type && DataType.isTimestamp(type)) return new Date(Number(value)).toISOString().replace("T", " ").replace(/\.000Z$|Z$/, "");
  if (value instanceof Date) return value.toISOString();
  if (typeof value === "number") return Number.isInteger(value) ? String(value) : String(Math.round(value * 1e6) / 1e6);
  if (typeof value === "string" || typeof value === "bigint" || typeof value === "boolean") return String(value);
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
}

/** Plain JSON value of a cell, for `--format json`: bigints that fit become numbers, dates ISO strings. */
export function jsonCell(value: unknown, type: DataType | undefined): unknown {
  if (value === null || value === undefined) return null;
  if (type && (DataType.isDate(type) || DataType.isTimestamp(type))) return formatCell(value, type);
  if (typeof value === "bigint") return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (typeof value === "object") return JSON.parse(formatCell(value, type)) as unknown;
  return value;
}

/** The first `limit` rows as text cells. */
export function textRows(table: Table, limit: number): string[][] {
  const columns = table.schema.fields.map((f, c) => ({ type: f.type, vector: table.getChildAt(c) }));
  const rows: string[][] = [];
  for (let r = 0; r < Math.min(limit, table.numRows); r++) {
    rows.push(columns.map(({ type, vector }) => formatCell(vector?.get(r), type)));
  }
  return rows;
}

/** A fixed-width text table, as `text/plain` and the CLI's `--format table` show it. */
export function textTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const clip = (s: string): string => (s.length > 60 ? `${s.slice(0, 57)}...` : s);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => clip(r[c] ?? "").length)));
  const line = (cells: readonly string[]): string => cells.map((s, c) => clip(s).padEnd(widths[c] ?? 0)).join(" | ").trimEnd();
  return [line(header), widths.map((w) => "-".repeat(w)).join("-+-"), ...rows.map(line)].join("\n");
}

/** A table as CSV (RFC 4180: a field with a comma, quote or line break is quoted, quotes doubled; NULL is empty). */
export function csvText(table: Table): string {
  const field = (text: string): string => (/[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text);
  const columns = table.schema.fields.map((f, c) => ({ type: f.type, vector: table.getChildAt(c) }));
  const lines = [table.schema.fields.map((f) => field(f.name)).join(",")];
  for (let r = 0; r < table.numRows; r++) {
    lines.push(columns.map(({ type, vector }) => {
      const value: unknown = vector?.get(r);
      return value === null || value === undefined ? "" : field(formatCell(value, type));
    }).join(","));
  }
  return `${lines.join("\r\n")}\r\n`;
}
