/**
 * HiveServer2 columnar row sets → Arrow. The Arrow types line up with what the DuckDB engine produces for the
 * same data (DECIMAL as Float64, DATE as DateDay, TIMESTAMP as milliseconds, exotic types as text), so that one
 * result can be compared across engines; the engine's own SQL type stays in the field metadata.
 */
import {
  Bool, DateDay, Field, Float64, Int16, Int32, Int64, Int8, RecordBatch, Schema, Struct, Table, TimestampMillisecond, Utf8,
  makeData, type Data, type DataType,
} from "apache-arrow";
import { TYPE_ID, type RowBatch, type ThriftColumn, type ThriftColumnDesc } from "./thrift-client.js";
import { SQL_TYPE_KEY } from "../../core/format.js";

/** Field metadata key of the engine's SQL type, read by core/format.ts `columnSqlType`. */

const MS_PER_DAY = 86_400_000;

const SQL_NAMES: Readonly<Record<number, string>> = {
  [TYPE_ID.BOOLEAN]: "BOOLEAN", [TYPE_ID.TINYINT]: "TINYINT", [TYPE_ID.SMALLINT]: "SMALLINT", [TYPE_ID.INT]: "INT",
  [TYPE_ID.BIGINT]: "BIGINT", [TYPE_ID.FLOAT]: "FLOAT", [TYPE_ID.DOUBLE]: "DOUBLE", [TYPE_ID.STRING]: "STRING",
  [TYPE_ID.TIMESTAMP]: "TIMESTAMP", [TYPE_ID.BINARY]: "BINARY", [TYPE_ID.ARRAY]: "ARRAY", [TYPE_ID.MAP]: "MAP",
  [TYPE_ID.STRUCT]: "STRUCT", [TYPE_ID.DECIMAL]: "DECIMAL", [TYPE_ID.NULL]: "VOID", [TYPE_ID.DATE]: "DATE",
  [TYPE_ID.VARCHAR]: "VARCHAR", [TYPE_ID.CHAR]: "CHAR", [TYPE_ID.INTERVAL_YEAR_MONTH]: "INTERVAL YEAR TO MONTH",
  [TYPE_ID.INTERVAL_DAY_TIME]: "INTERVAL DAY TO SECOND", [TYPE_ID.TIMESTAMP_LOCAL_TZ]: "TIMESTAMP_LTZ",
};

/** Spark's SQL name of a result column's type, upper case, e.g. `DECIMAL(10,2)`. */
export function sqlTypeName(column: ThriftColumnDesc): string {
  const base = SQL_NAMES[column.typeId] ?? "STRING";
  if (column.typeId === TYPE_ID.DECIMAL && column.precision !== undefined) return `${base}(${column.precision},${column.scale ?? 0})`;
  if ((column.typeId === TYPE_ID.VARCHAR || column.typeId === TYPE_ID.CHAR) && column.length !== undefined) return `${base}(${column.length})`;
  return base;
}

function arrowTypeFor(typeId: number): DataType {
  switch (typeId) {
    case TYPE_ID.BOOLEAN: return new Bool();
    case TYPE_ID.TINYINT: return new Int8();
    case TYPE_ID.SMALLINT: return new Int16();
    case TYPE_ID.INT: return new Int32();
    case TYPE_ID.BIGINT: return new Int64();
    case TYPE_ID.FLOAT: case TYPE_ID.DOUBLE: case TYPE_ID.DECIMAL: return new Float64();
    case TYPE_ID.DATE: return new DateDay();
    case TYPE_ID.TIMESTAMP: case TYPE_ID.TIMESTAMP_LOCAL_TZ: return new TimestampMillisecond();
    default: return new Utf8();
  }
}

/** Arrow validity bitmap (bit set = value present) for rows [0, take) of a HiveServer2 null bitmap. */
function validity(nulls: Buffer, take: number): { bitmap: Uint8Array; nullCount: number } {
  const bitmap = new Uint8Array(Math.ceil(take / 8));
  let nullCount = 0;
  for (let i = 0; i < take; i++) {
    const isNull = ((nulls[i >> 3] ?? 0) >> (i & 7)) & 1;
    if (isNull) nullCount++;
    else bitmap[i >> 3] = (bitmap[i >> 3] ?? 0) | (1 << (i & 7));
  }
  return { bitmap, nullCount };
}

/** Epoch days of `YYYY-MM-DD` (Spark's text form of DATE, proleptic Gregorian). */
function epochDays(text: string): number {
  const [y, m, d] = text.split("-").map(Number);
  return Math.floor(Date.UTC(y ?? 1970, (m ?? 1) - 1, d ?? 1) / MS_PER_DAY);
}

/** Epoch milliseconds of `YYYY-MM-DD HH:MM:SS[.ffffff]` in UTC (the cluster runs with session time zone UTC). */
function epochMillis(text: string): bigint {
  const match = /^(-?\d+)-(\d+)-(\d+)[ T](\d+):(\d+):(\d+)(?:\.(\d+))?/.exec(text);
  if (!match) return BigInt(Date.parse(text));
  const [, y, mo, d, h, mi, s, frac] = match;
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), Number((frac ?? "0").padEnd(3, "0").slice(0, 3)));
  return BigInt(ms);
}

function isNull(nulls: Buffer, i: number): boolean {
  return (((nulls[i >> 3] ?? 0) >> (i & 7)) & 1) === 1;
}

function textOf(column: ThriftColumn, i: number): string {
  const value = column.values[i];
  if (column.kind === "binary") return (value as Buffer).toString("hex");
  return String(value);
}

/** One column's first `take` rows as Arrow data of `type`. */
function columnData(type: DataType, column: ThriftColumn, take: number): Data {
  const { bitmap, nullCount } = validity(column.nulls, take);
  const nullBitmap = nullCount > 0 ? bitmap : undefined;
  if (type instanceof Int64 && column.kind === "bigint") {
    return makeData({ type, length: take, nullCount, nullBitmap, data: column.values.subarray(0, take) });
  }
  if (column.kind === "number") {
    const fill = <A extends Int8Array | Int16Array | Int32Array | Float64Array>(data: A): A => {
      for (let i = 0; i < take; i++) data[i] = column.values[i] ?? 0;
      return data;
    };
    if (type instanceof Int8) return makeData({ type, length: take, nullCount, nullBitmap, data: fill(new Int8Array(take)) });
    if (type instanceof Int16) return makeData({ type, length: take, nullCount, nullBitmap, data: fill(new Int16Array(take)) });
    if (type instanceof Int32) return makeData({ type, length: take, nullCount, nullBitmap, data: fill(new Int32Array(take)) });
    if (type instanceof Float64) return makeData({ type, length: take, nullCount, nullBitmap, data: fill(new Float64Array(take)) });
  }
  if (type instanceof Float64 && column.kind === "string") {
    const data = new Float64Array(take);
    for (let i = 0; i < take; i++) if (!isNull(column.nulls, i)) data[i] = Number(column.values[i]);
    return makeData({ type, length: take, nullCount, nullBitmap, data });
  }
  if (type instanceof DateDay && column.kind === "string") {
    const data = new Int32Array(take);
    for (let i = 0; i < take; i++) if (!isNull(column.nulls, i)) data[i] = epochDays(column.values[i] ?? "");
    return makeData({ type, length: take, nullCount, nullBitmap, data });
  }
  if (type instanceof TimestampMillisecond && column.kind === "string") {
    const data = new BigInt64Array(take);
    for (let i = 0; i < take; i++) if (!isNull(column.nulls, i)) data[i] = epochMillis(column.values[i] ?? "");
    return makeData({ type, length: take, nullCount, nullBitmap, data });
  }
  if (type instanceof Bool && column.kind === "bool") {
    const data = new Uint8Array(Math.ceil(take / 8));
    for (let i = 0; i < take; i++) if (column.values[i] && !isNull(column.nulls, i)) data[i >> 3] = (data[i >> 3] as number) | (1 << (i & 7));
    return makeData({ type, length: take, nullCount, nullBitmap, data });
  }
  return utf8Data(column, take, nullCount, nullBitmap);
}

/**
 * Text straight into Arrow's offsets and one UTF-8 buffer: each string is measured and written by Node's native
 * encoder in place, with no Uint8Array per value as Arrow's builder makes.
 */
function utf8Data(column: ThriftColumn, take: number, nullCount: number, nullBitmap: Uint8Array | undefined): Data {
  const texts: (string | undefined)[] = new Array<string | undefined>(take);
  let bytes = 0;
  for (let i = 0; i < take; i++) {
    if (isNull(column.nulls, i)) continue;
    const text = textOf(column, i);
    texts[i] = text;
    bytes += Buffer.byteLength(text, "utf8");
  }
  const data = Buffer.allocUnsafe(bytes);
  const valueOffsets = new Int32Array(take + 1);
  let at = 0;
  for (let i = 0; i < take; i++) {
    const text = texts[i];
    if (text !== undefined) at += data.write(text, at, "utf8");
    valueOffsets[i + 1] = at;
  }
  return makeData({ type: new Utf8(), length: take, nullCount, nullBitmap, valueOffsets, data: new Uint8Array(data.buffer, data.byteOffset, bytes) });
}

/** Collects fetched row sets as Arrow record batches, one per fetch, and builds the table at the end. */
export class ArrowBatches {
  private readonly schema: Schema;
  private readonly batches: RecordBatch[] = [];
  rowCount = 0;

  constructor(columns: readonly ThriftColumnDesc[]) {
    this.schema = new Schema(columns.map((c) => new Field(c.name, arrowTypeFor(c.typeId), true, new Map([[SQL_TYPE_KEY, sqlTypeName(c)]]))));
  }

  /** Converts the first `take` rows of `batch`; the thrift values can be dropped afterwards. */
  append(batch: RowBatch, take: number): void {
    if (take <= 0) return;
    const fields = this.schema.fields;
    const children = fields.map((field, c) => {
      const column = batch.columns[c];
      if (!column) throw new Error(`the Thrift server sent ${batch.columns.length} columns for ${fields.length} fields`);
      return columnData(field.type as DataType, column, take);
    });
    const data = makeData({ type: new Struct(fields), length: take, nullCount: 0, children });
    this.batches.push(new RecordBatch(this.schema, data));
    this.rowCount += take;
  }

  toTable(): Table {
    return this.batches.length > 0 ? new Table(this.batches) : new Table(this.schema);
  }
}
