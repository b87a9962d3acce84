import { createHash } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { quotedIdentifier } from "../../core/sql-text.js";
import { writeParquetTables, type ParquetCell, type ParquetColumnType, type ParquetTableData } from "../../engines/duckdb/write-parquet.js";
import { openSqlite, type SqliteDatabase, type SqliteValue } from "./sqlite.js";

/** Bump when the conversion rules change, so cached folders are rebuilt. */
const CONVERSION_VERSION = "1";
const MARKER = ".source";

/** A text cell that reads back as the same number, e.g. `"1980"` but not `"02647"` or `"4.0"`. */
function canonicalNumber(text: string): number | undefined {
  const value = Number(text);
  return text.trim() !== "" && Number.isFinite(value) && String(value) === text ? value : undefined;
}

/** Spider's car_1 writes missing numbers as the text `null`; read as a missing value, not a word. */
function isNullWord(value: SqliteValue): boolean {
  return typeof value === "string" && value.toLowerCase() === "null";
}

/**
 * SQLite keeps a type per value, not per column. A column becomes BIGINT or DOUBLE when every non-null value is
 * a number or a text that reads back as the same number (SQLite compares and averages such text as numbers;
 * DuckDB would refuse), VARCHAR when any other text is present, BLOB for blobs. A column with no values at all
 * follows its declared type.
 */
export function columnType(declared: string, values: readonly SqliteValue[]): ParquetColumnType {
  let integers = true;
  let numbers = true;
  let seen = false;
  for (const value of values) {
    if (value === null || isNullWord(value)) continue;
    seen = true;
    if (value instanceof Uint8Array) return "BLOB";
    const number = typeof value === "number" ? value : canonicalNumber(value);
    if (number === undefined) numbers = false;
    else if (!Number.isInteger(number)) integers = false;
  }
  const affinity = declared.toUpperCase();
  if (!seen) return affinity.includes("INT") ? "BIGINT" : /REAL|FLOA|DOUB|DEC|NUM/.test(affinity) ? "DOUBLE" : "VARCHAR";
  if (!numbers) return "VARCHAR";
  return integers && !/REAL|FLOA|DOUB/.test(affinity) ? "BIGINT" : "DOUBLE";
}

function cell(value: SqliteValue, type: ParquetColumnType): ParquetCell {
  if (value === null) return null;
  if (type === "BIGINT") return isNullWord(value) ? null : BigInt(value as number | string);
  if (type === "DOUBLE") return isNullWord(value) ? null : Number(value);
  if (type === "BLOB") return value;
  return typeof value === "string" ? value : String(value);
}

function readTables(database: SqliteDatabase): ParquetTableData[] {
  const names = database
    .query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    .rows.map((r) => String(r[0]));
  return names.map((name) => {
    const declared = database.query(`PRAGMA table_info(${quotedIdentifier(name)})`).rows.map((r) => ({ name: String(r[1]), type: String(r[2] ?? "") }));
    const { rows } = database.query(`SELECT ${declared.map((c) => quotedIdentifier(c.name)).join(", ")} FROM ${quotedIdentifier(name)}`);
    const columns = declared.map((c, i) => ({ name: c.name, type: columnType(c.type, rows.map((r) => r[i] ?? null)) }));
    return { name, columns, rows: rows.map((r) => columns.map((c, i) => cell(r[i] ?? null, c.type))) };
  });
}

/**
 * Converts `sqliteFile` once into a folder of Parquet files (one per table) under `cacheRoot/<db>/`, which the
 * DuckDB engine opens like any data folder. The folder is reused while the SQLite file and the conversion rules
 * are unchanged; it appears whole or not at all.
 */
export async function convertSqliteToParquet(sqliteFile: string, cacheRoot: string, db: string): Promise<string> {
  const target = path.join(cacheRoot, db);
  const bytes = await readFile(sqliteFile);
  const source = `${CONVERSION_VERSION} ${createHash("sha256").update(bytes).digest("hex")}`;
  const cached = await readFile(path.join(target, MARKER), "utf8").catch(() => "");
  if (cached === source) return target;

  const scratch = path.join(cacheRoot, `.${db}.${process.pid}.tmp`);
  await rm(scratch, { recursive: true, force: true });
  await mkdir(scratch, { recursive: true });
  const database = await openSqlite(sqliteFile);
  try {
    await writeParquetTables(scratch, readTables(database));
  } finally {
    database.close();
  }
  await writeFile(path.join(scratch, MARKER), source);
  await rm(target, { recursive: true, force: true });
  await rename(scratch, target);
  return target;
}
