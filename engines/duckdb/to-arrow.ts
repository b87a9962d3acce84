import {
  Bool, DateDay, Field, Float64, Int16, Int32, Int64, Int8, Schema, Table, TimestampMillisecond, Utf8,
  RecordBatch, Struct, makeData, makeVector, vectorFromArray, type Data, type DataType, type Vector,
} from "apache-arrow";
import type { DuckDBType, JS } from "@duckdb/node-api";
import { SQL_TYPE_KEY } from "../../core/format.js";

/** Field metadata key holding the engine's own SQL type, so DECIMAL(10,2) stays visible after conversion. */

const MS_PER_DAY = 86_400_000;

/** The Arrow type a DuckDB column becomes; exotic types travel as JSON text with their SQL type kept. */
function arrowTypeFor(sqlType: string): DataType {
  const base = sqlType.replace(/\(.*$/, "");
  switch (base) {
    case "BOOLEAN": return new Bool();
    case "TINYINT": return new Int8();
    case "SMALLINT": return new Int16();
    case "INTEGER": return new Int32();
    case "BIGINT": case "HUGEINT": case "UBIGINT": return new Int64();
    case "UTINYINT": return new Int16();
    case "USMALLINT": case "UINTEGER": return new Int64();
    case "FLOAT": case "DOUBLE": case "DECIMAL": return new Float64();
    case "DATE": return new DateDay();
    case "TIMESTAMP": case "TIMESTAMP WITH TIME ZONE": case "TIMESTAMP_MS": case "TIMESTAMP_S": case "TIMESTAMP_NS":
      return new TimestampMillisecond();
    default: return new Utf8();
  }
}

function toCell(value: JS, type: DataType): unknown {
  if (value === null) return null;
  if (type instanceof Int64) return typeof value === "bigint" ? value : BigInt(value as number);
  if (type instanceof Float64) return typeof value === "number" ? value : Number(value);
  if (type instanceof Int8 || type instanceof Int16 || type instanceof Int32) return Number(value);
  if (type instanceof DateDay || type instanceof TimestampMillisecond) return value instanceof Date ? value : new Date(String(value));
  if (type instanceof Bool) return Boolean(value);
  if (typeof value === "string") return value;
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
}

/** Collects DuckDB chunks column by column and builds one Arrow table at the end. */
export class ArrowCollector {
  private readonly types: DataType[];
  private readonly columns: unknown[][];
  rowCount = 0;

  constructor(private readonly names: readonly string[], private readonly sqlTypes: readonly string[]) {
    this.types = sqlTypes.map(arrowTypeFor);
    this.columns = names.map(() => []);
  }

  /** Appends `values[c]` (one array per column) up to `limit` rows; returns how many rows were taken. */
  append(values: readonly JS[][], limit: number): number {
    const available = values[0]?.length ?? 0;
    const take = Math.min(available, limit);
    values.forEach((column, c) => {
      const type = this.types[c] as DataType;
      const out = this.columns[c] as unknown[];
      for (let i = 0; i < take; i++) out.push(toCell(column[i] ?? null, type));
    });
    this.rowCount += take;
    return take;
  }

  toTable(): Table {
    const fields = this.names.map(
      (name, c) => new Field(name, this.types[c] as DataType, true, new Map([[SQL_TYPE_KEY, this.sqlTypes[c] ?? "VARCHAR"]])),
    );
    const children = this.names.map((_n, c) => buildVector(this.types[c] as DataType, this.columns[c] as unknown[]).data[0]);
    const schema = new Schema(fields);
    const data = makeData({ type: new Struct(fields), length: this.rowCount, nullCount: 0, children: children as Data[] });
    return new Table([new RecordBatch(schema, data)]);
  }
}

function buildVector(type: DataType, values: unknown[]): Vector {
  if (type instanceof DateDay) {
    // Arrow's DateDay builder takes epoch days; dates before 1970 stay exact with Math.floor.
    const days = new Int32Array(values.length);
    const valid = new Uint8Array(Math.ceil(values.length / 8));
    let nulls = 0;
    values.forEach((v, i) => {
      if (v === null) { nulls++; return; }
      days[i] = Math.floor((v as Date).getTime() / MS_PER_DAY);
      valid[i >> 3] = (valid[i >> 3] as number) | (1 << (i & 7));
    });
    return makeVector(makeData({ type, length: values.length, nullCount: nulls, data: days, nullBitmap: nulls > 0 ? valid : undefined }));
  }
  return vectorFromArray(values, type);
}

/** The SQL type name of a DuckDB result column, as the catalog and display show it. */
export function sqlTypeName(type: DuckDBType): string {
  return type.toString().toUpperCase();
}
