import type { Catalog, ColumnInfo, TableInfo } from "../core/catalog.js";
import type { Dialect } from "../core/engine.js";
import { quoteIdent, quoteValue, valueText } from "./values.js";

export type ColumnKind = "category" | "identifier" | "text" | "date" | "number" | "other";

export interface ColumnProfile {
  readonly name: string;
  readonly type: string;
  readonly kind: ColumnKind;
  /** Prompt-ready, quoted and capped example values (most frequent first for categories). */
  readonly samples: readonly string[];
  /** Smallest and largest value of a date or number column, as text. */
  readonly range?: readonly [string, string];
  /**
   * A category column's most frequent values with their row counts, most frequent first (at most
   * VALUE_INDEX_SIZE): value linking reads them here instead of scanning the column for every question.
   */
  readonly values?: readonly (readonly [string, number])[];
}

export interface TableProfile {
  readonly name: string;
  readonly rowCount?: number;
  readonly columns: readonly ColumnProfile[];
}

/** What the prompt shows about a catalog, read once per connection from the engine's own data. */
export interface SchemaProfile {
  readonly dialect: Dialect;
  readonly tables: readonly TableProfile[];
}

export type Probe = (sql: string) => Promise<readonly (readonly unknown[])[]>;

/** Rows read to classify string columns; enough to tell names from free text without scanning big tables. */
const SAMPLE_ROWS = 5000;
/** Average length above which a string column counts as free text (titles, abstracts): no samples shown. */
const TEXT_AVG_LENGTH = 60;
/**
 * Values kept per category column for linking. One GROUP BY per column when the catalog is first profiled
 * replaces a LIKE scan of every such column per question (21 s at 10 M rows); names rarer than the 50,000th are
 * not linked, and the model writes its own ILIKE for them.
 */
export const VALUE_INDEX_SIZE = 50_000;
/**
 * Rows a value index is counted from: the whole table up to this size, else its first rows in file order.
 * Grouping 265 M inventor names would cost the first question minutes and gigabytes; a name missing from the
 * first rows (rare, or only in later files) is left to the model's own ILIKE, as a rare name is.
 */
const VALUE_INDEX_ROWS = 10_000_000;
/** Example values shown in the schema per category column. */
const SHOWN_SAMPLES = 3;

const isString = (c: ColumnInfo) => /CHAR|STRING|TEXT/.test(c.type);
const isDate = (c: ColumnInfo) => /DATE|TIME/.test(c.type);
const isNumber = (c: ColumnInfo) => /INT|DECIMAL|DOUBLE|FLOAT|REAL|NUMERIC/.test(c.type);

/** Reads row counts, ranges and a few example values with read-only probes (each goes through the checker). */
export async function profileCatalog(catalog: Catalog, dialect: Dialect, probe: Probe): Promise<SchemaProfile> {
  const tables: TableProfile[] = [];
  for (const table of catalog.tables) tables.push(await profileTable(table, dialect, probe));
  // A column named like another table's identifier is a reference to it (patent_cpc.publication_number).
  const identifiers = new Set(tables.flatMap((t) => t.columns.filter((c) => c.kind === "identifier").map((c) => c.name)));
  return {
    dialect,
    tables: tables.map((t) => ({ ...t, columns: t.columns.map((c) => (c.kind === "category" && identifiers.has(c.name) ? { ...c, kind: "identifier" as const, values: undefined } : c)) })),
  };
}

async function profileTable(table: TableInfo, dialect: Dialect, probe: Probe): Promise<TableProfile> {
  const q = (name: string) => quoteIdent(name, dialect);
  const from = q(table.name);
  const strings = table.columns.filter(isString);
  const ranged = table.columns.filter((c) => isDate(c) || isNumber(c));
  const statsSelect = [
    "count(*)",
    ...strings.flatMap((c) => [`count(DISTINCT ${q(c.name)})`, `count(${q(c.name)})`, `avg(length(${q(c.name)}))`]),
  ].join(", ");
  const sampled = `(SELECT * FROM ${from} LIMIT ${SAMPLE_ROWS}) AS s`;
  const [stats = []] = await probe(`SELECT ${statsSelect} FROM ${sampled}`);
  const rangeRow = ranged.length === 0 ? []
    : (await probe(`SELECT ${ranged.flatMap((c) => [`min(${q(c.name)})`, `max(${q(c.name)})`]).join(", ")} FROM ${from}`))[0] ?? [];
  const [countRow = []] = await probe(`SELECT count(*) FROM ${from}`);
  const rowCount = Number(countRow[0] ?? table.rowCount ?? 0);

  const columns: ColumnProfile[] = [];
  for (const column of table.columns) {
    const s = strings.indexOf(column);
    if (s >= 0) {
      const distinct = Number(stats[1 + 3 * s] ?? 0);
      const nonNull = Number(stats[2 + 3 * s] ?? 0);
      const avgLength = Number(stats[3 + 3 * s] ?? 0);
      const kind: ColumnKind = avgLength > TEXT_AVG_LENGTH ? "text" : nonNull > 20 && distinct >= 0.95 * nonNull ? "identifier" : "category";
      if (nonNull === 0) {
        columns.push({ name: column.name, type: column.type, kind, samples: [] });
        continue;
      }
      if (kind === "category") {
        const c = q(column.name);
        const source = rowCount > VALUE_INDEX_ROWS ? `(SELECT ${c} FROM ${from} LIMIT ${VALUE_INDEX_ROWS}) AS s` : from;
        const rows = await probe(`SELECT ${c}, count(*) AS n FROM ${source} WHERE ${c} IS NOT NULL GROUP BY ${c} ORDER BY n DESC, ${c} LIMIT ${VALUE_INDEX_SIZE}`);
        const values = rows.map((row) => [valueText(row[0]), Number(row[1])] as const);
        columns.push({ name: column.name, type: column.type, kind, samples: rows.slice(0, SHOWN_SAMPLES).map((row) => quoteValue(row[0])), values });
        continue;
      }
      const samples = (await probe(`SELECT ${q(column.name)} FROM ${from} WHERE ${q(column.name)} IS NOT NULL LIMIT ${kind === "identifier" ? 2 : 1}`)).map((row) => quoteValue(row[0]));
      columns.push({ name: column.name, type: column.type, kind, samples });
      continue;
    }
    const r = ranged.indexOf(column);
    if (r >= 0) {
      const low = rangeRow[2 * r];
      const high = rangeRow[2 * r + 1];
      const range = low === null || low === undefined ? undefined : ([rangeText(low, column), rangeText(high, column)] as const);
      columns.push({ name: column.name, type: column.type, kind: isDate(column) ? "date" : "number", samples: [], range });
      continue;
    }
    columns.push({ name: column.name, type: column.type, kind: "other", samples: [] });
  }
  return { name: table.name, rowCount, columns };
}

function rangeText(value: unknown, column: ColumnInfo): string {
  if (isDate(column) && typeof value === "number") return new Date(value).toISOString().slice(0, 10);
  return valueText(value).slice(0, 30);
}

/** The schema as DDL with one comment per column: what the model reads. */
export function renderSchema(profile: SchemaProfile, keep?: ReadonlySet<string>): string {
  const blocks: string[] = [];
  for (const table of profile.tables) {
    if (keep && !keep.has(table.name)) continue;
    const lines = table.columns.map((c, i) => {
      const comma = i < table.columns.length - 1 ? "," : "";
      const note = c.range ? `from ${c.range[0]} to ${c.range[1]}`
        : c.samples.length > 0 ? `e.g. ${c.samples.join(", ")}` : c.kind === "text" ? "free text" : "";
      return `  ${c.name} ${c.type}${comma}${note ? ` -- ${note}` : ""}`;
    });
    const count = table.rowCount !== undefined ? ` -- ${table.rowCount} rows` : "";
    blocks.push(`CREATE TABLE ${table.name} (${count}\n${lines.join("\n")}\n);`);
  }
  return blocks.join("\n");
}
