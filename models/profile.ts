import type { Catalog, ColumnInfo, TableInfo } from "../core/catalog.js";
import type { Dialect } from "../core/engine.js";
import { quotedIdentifier } from "../core/sql-text.js";
import { promptName, promptText, quoteValue, valueText } from "./values.js";

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
  /** No value repeats in the profiled rows: a key that other tables' columns may refer to. */
  readonly unique?: boolean;
  /** The table and column this column refers to, inferred from names and values (Parquet has no foreign keys). */
  readonly references?: { readonly table: string; readonly column: string };
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

type Typed = Pick<ColumnInfo, "type">;
const isString = (c: Typed) => /CHAR|STRING|TEXT/.test(c.type);
const isDate = (c: ColumnInfo) => /DATE|TIME/.test(c.type);
const isNumber = (c: ColumnInfo) => /INT|DECIMAL|DOUBLE|FLOAT|REAL|NUMERIC/.test(c.type);
const isInteger = (c: Typed) => /INT/.test(c.type);
/** Tables small enough that a reference guessed from names is checked against the values. */
const CHECKED_REFERENCE_ROWS = 1_000_000;

/** Reads row counts, ranges and a few example values with read-only probes (each goes through the checker). */
export async function profileCatalog(catalog: Catalog, dialect: Dialect, probe: Probe): Promise<SchemaProfile> {
  const profiled: TableProfile[] = [];
  for (const table of catalog.tables) profiled.push(await profileTable(table, dialect, probe));
  // A column named like another table's identifier is a reference to it (patent_cpc.publication_number).
  const identifiers = new Set(profiled.flatMap((t) => t.columns.filter((c) => c.kind === "identifier").map((c) => c.name)));
  const tables = profiled.map((t) => ({ ...t, columns: t.columns.map((c) => (c.kind === "category" && identifiers.has(c.name) ? { ...c, kind: "identifier" as const, values: undefined } : c)) }));
  const references = await inferReferences(tables, dialect, probe);
  return {
    dialect,
    tables: tables.map((t) => ({ ...t, columns: t.columns.map((c) => {
      const target = references.get(`${t.name}.${c.name}`);
      return target ? { ...c, references: target } : c;
    }) })),
  };
}

/**
 * Which columns refer to another table's key, as foreign keys would say: the model joins on them. A column named
 * like a key of another table refers to it (Has_Pet.StuID → Student.StuID); one named after another table refers
 * to its key when every value is there (TV_series.Channel → TV_Channel.id). Of two keys with the same name, the one
 * in the table named for it is referred to (Has_Pet.PetID → Pets.PetID); otherwise they are left alone.
 */
async function inferReferences(tables: readonly TableProfile[], dialect: Dialect, probe: Probe): Promise<Map<string, { table: string; column: string }>> {
  const found = new Map<string, { table: string; column: string }>();
  const q = (name: string) => quotedIdentifier(name, dialect);
  for (const from of tables) {
    for (const column of from.columns) {
      if (column.kind === "text" || column.kind === "date") continue;
      // "lost_in_battle" and "caused_by_ship_id" are named after the table they point to by their last word.
      const stem = column.name.toLowerCase().replace(/_?(id|code)$/, "");
      const forms = [stem, stem.split("_").at(-1) ?? stem].flatMap((w) => [w, `${w}s`, `${w}es`]);
      const named = (t: TableProfile) => tableWords(t.name).some((w) => forms.includes(w));
      const namedExactly = (t: TableProfile) => forms.includes(t.name.toLowerCase());
      const keys = tables.filter((t) => t !== from).flatMap((t) => t.columns.filter((c) => c.unique && sameKind(c, column)).map((c) => ({ t, c })));
      // Small tables make many columns unique by chance (five ages): a shared name alone must also read as a key.
      const keyLike = /(id|code|key|no|number)$/i.test(column.name);
      const sameName = keys.filter(({ c }) => keyLike && c.name.toLowerCase() === column.name.toLowerCase())
        .filter(({ t }) => !column.unique || (namedExactly(t) && !namedExactly(from)));
      const byTable = column.unique || stem.length < 3 ? []
        : keys.filter(({ t, c }) => named(t) && t.columns.find((k) => k.unique && sameKind(k, column)) === c);
      const target = sameName.length > 0 ? (sameName.length === 1 ? sameName[0] : undefined) : byTable.length === 1 ? byTable[0] : undefined;
      if (!target) continue;
      // Where both tables are small enough, every value must be found in the key (a link table's first column is
      // unique in three rows and still not what other tables refer to).
      const small = (from.rowCount ?? Infinity) <= CHECKED_REFERENCE_ROWS && (target.t.rowCount ?? Infinity) <= CHECKED_REFERENCE_ROWS;
      if (small) {
        const [row = []] = await probe(`SELECT count(${q(column.name)}), count(*) FILTER (WHERE ${q(column.name)} IS NOT NULL AND ${q(column.name)} NOT IN (SELECT ${q(target.c.name)} FROM ${q(target.t.name)})) FROM ${q(from.name)}`);
        if (!(Number(row[0]) > 0 && Number(row[1]) === 0)) continue;
      } else if (sameName.length === 0) {
        continue;
      }
      found.set(`${from.name}.${column.name}`, { table: target.t.name, column: target.c.name });
    }
  }
  return found;
}

const tableWords = (name: string) => [name.toLowerCase(), ...name.toLowerCase().split(/[^a-z0-9]+/)];
const sameKind = (a: Typed, b: Typed) => isInteger(a) === isInteger(b) && isString(a) === isString(b);

async function profileTable(table: TableInfo, dialect: Dialect, probe: Probe): Promise<TableProfile> {
  const q = (name: string) => quotedIdentifier(name, dialect);
  const from = q(table.name);
  const strings = table.columns.filter(isString);
  const ranged = table.columns.filter((c) => isDate(c) || isNumber(c));
  const integers = table.columns.filter(isInteger);
  const statsSelect = [
    "count(*)",
    ...strings.flatMap((c) => [`count(DISTINCT ${q(c.name)})`, `count(${q(c.name)})`, `avg(length(${q(c.name)}))`]),
    ...integers.flatMap((c) => [`count(DISTINCT ${q(c.name)})`, `count(${q(c.name)})`]),
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
      const unique = nonNull > 0 && distinct === nonNull && nonNull === Number(stats[0]);
      if (nonNull === 0) {
        columns.push({ name: column.name, type: column.type, kind, samples: [] });
        continue;
      }
      if (kind === "category") {
        const c = q(column.name);
        const source = rowCount > VALUE_INDEX_ROWS ? `(SELECT ${c} FROM ${from} LIMIT ${VALUE_INDEX_ROWS}) AS s` : from;
        const rows = await probe(`SELECT ${c}, count(*) AS n FROM ${source} WHERE ${c} IS NOT NULL GROUP BY ${c} ORDER BY n DESC, ${c} LIMIT ${VALUE_INDEX_SIZE}`);
        const values = rows.map((row) => [valueText(row[0]), Number(row[1])] as const);
        columns.push({ name: column.name, type: column.type, kind, samples: rows.slice(0, SHOWN_SAMPLES).map((row) => quoteValue(row[0])), values, unique });
        continue;
      }
      const samples = (await probe(`SELECT ${q(column.name)} FROM ${from} WHERE ${q(column.name)} IS NOT NULL LIMIT ${kind === "identifier" ? 2 : 1}`)).map((row) => quoteValue(row[0]));
      columns.push({ name: column.name, type: column.type, kind, samples, unique });
      continue;
    }
    const r = ranged.indexOf(column);
    if (r >= 0) {
      const low = rangeRow[2 * r];
      const high = rangeRow[2 * r + 1];
      const range = low === null || low === undefined ? undefined : ([rangeText(low, column), rangeText(high, column)] as const);
      const n = integers.indexOf(column);
      const distinct = n < 0 ? 0 : Number(stats[1 + 3 * strings.length + 2 * n] ?? 0);
      const unique = n >= 0 && distinct > 0 && distinct === Number(stats[2 + 3 * strings.length + 2 * n]) && distinct === Number(stats[0]);
      columns.push({ name: column.name, type: column.type, kind: isDate(column) ? "date" : "number", samples: [], range, unique });
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
    const name = (text: string) => promptName(text, profile.dialect);
    const lines = table.columns.map((c, i) => {
      const comma = i < table.columns.length - 1 ? "," : "";
      const note = c.range ? `from ${promptText(c.range[0])} to ${promptText(c.range[1])}`
        : c.samples.length > 0 ? `e.g. ${c.samples.join(", ")}` : c.kind === "text" ? "free text" : "";
      const references = c.references ? ` REFERENCES ${name(c.references.table)}(${name(c.references.column)})` : "";
      return `  ${name(c.name)} ${promptText(c.type)}${references}${comma}${note ? ` -- ${note}` : ""}`;
    });
    const count = table.rowCount !== undefined ? ` -- ${table.rowCount} rows` : "";
    blocks.push(`CREATE TABLE ${name(table.name)} (${count}\n${lines.join("\n")}\n);`);
  }
  return blocks.join("\n");
}
