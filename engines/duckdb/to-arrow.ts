/**
 * DuckDB result chunks → Arrow, vector by vector. Each chunk's vectors are read as bytes from DuckDB's memory:
 * numbers and dates are copied (or converted in one typed-array loop), validity masks are Arrow bitmaps already,
 * and strings are copied straight into Arrow's offsets and data buffers, a few native calls per chunk rather
 * than one per value. Types without a byte layout worth the code (LIST, STRUCT, INTERVAL, UUID …) keep the
 * value-by-value conversion to JSON text. This module is loaded with the DuckDB engine, never at kernel start.
 */
import { createRequire } from "node:module";
import type { DuckDBDataChunk, DuckDBDecimalType, DuckDBType, JS } from "@duckdb/node-api";
import type { Vector } from "@duckdb/node-bindings";
import {
  Bool, DateDay, Field, Float64, Int16, Int32, Int64, Int8, RecordBatch, Schema, Struct, Table, TimestampMillisecond, Utf8,
  makeData, vectorFromArray, type Data, type DataType,
} from "apache-arrow";

// CommonJS packages, required rather than imported: an ESM import first scans every file for export names.
const require = createRequire(import.meta.url);
const ddb = require("@duckdb/node-bindings") as typeof import("@duckdb/node-bindings");
const { JSDuckDBValueConverter } = require("@duckdb/node-api") as typeof import("@duckdb/node-api");
import { SQL_TYPE_KEY } from "../../core/format.js";


/** Field metadata key holding the engine's own SQL type, so DECIMAL(10,2) stays visible after conversion. */

const TWO_32 = 4_294_967_296;
/** Arrow's Utf8 offsets are 32-bit: a batch is sealed before any of its columns passes this many bytes. */
const BATCH_BYTES = 1 << 30;

/** The Arrow type a DuckDB column becomes; exotic types travel as JSON text with their SQL type kept. */
export function arrowTypeFor(sqlType: string): DataType {
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

/** One JS value (from DuckDB's JS converter) as the cell Arrow's builder takes for `type`. */
export function cellFor(value: JS, type: DataType): unknown {
  if (value === null) return null;
  if (type instanceof Int64) return typeof value === "bigint" ? value : BigInt(value as number);
  if (type instanceof Float64) return typeof value === "number" ? value : Number(value);
  if (type instanceof Int8 || type instanceof Int16 || type instanceof Int32) return Number(value);
  if (type instanceof DateDay || type instanceof TimestampMillisecond) return value instanceof Date ? value : new Date(String(value));
  if (type instanceof Bool) return Boolean(value);
  if (typeof value === "string") return value;
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
}

/** The SQL type name of a DuckDB result column, as the catalog and display show it. */
export function sqlTypeName(type: DuckDBType): string {
  return type.toString().toUpperCase();
}

/** A run of bits, or `null` for a run of `count` set bits (DuckDB's "no validity mask": every row valid). */
interface BitRun {
  readonly bits: Uint8Array | null;
  readonly count: number;
}

function bitSet(bits: Uint8Array, i: number): boolean {
  return (((bits[i >> 3] as number) >> (i & 7)) & 1) === 1;
}

/** Concatenates bit runs into one LSB-first bitmap (Arrow's and DuckDB's order); whole bytes when aligned. */
function concatBits(runs: readonly BitRun[], total: number): Uint8Array {
  const out = new Uint8Array(Math.ceil(total / 8));
  let at = 0;
  for (const { bits, count } of runs) {
    if (at % 8 === 0 && (bits === null || count % 8 === 0)) {
      if (bits === null) out.fill(0xff, at >> 3, (at + count + 7) >> 3);
      else out.set(bits.subarray(0, count >> 3), at >> 3);
    } else {
      for (let i = 0; i < count; i++) {
        if (bits === null || bitSet(bits, i)) out[(at + i) >> 3] = (out[(at + i) >> 3] as number) | (1 << ((at + i) & 7));
      }
    }
    at += count;
  }
  return out;
}

/** How many of the first `count` bits are set. */
function countSet(bits: Uint8Array, count: number): number {
  let set = 0;
  for (let i = 0; i < count >> 3; i++) {
    let b = bits[i] as number;
    while (b) { b &= b - 1; set++; }
  }
  for (let i = count & ~7; i < count; i++) if (bitSet(bits, i)) set++;
  return set;
}

/** Validity of the rows appended so far, as Arrow wants it: no bitmap at all when nothing is null. */
class ValidityRuns {
  private runs: BitRun[] = [];
  private nulls = 0;

  append(bits: Uint8Array | null, count: number): void {
    const copy = bits === null ? null : bits.slice(0, Math.ceil(count / 8));
    this.runs.push({ bits: copy, count });
    if (copy) this.nulls += count - countSet(copy, count);
  }

  seal(length: number): { nullCount: number; nullBitmap?: Uint8Array } {
    const result = this.nulls > 0 ? { nullCount: this.nulls, nullBitmap: concatBits(this.runs, length) } : { nullCount: 0 };
    this.runs = [];
    this.nulls = 0;
    return result;
  }
}

/** Where one column of one chunk lives in DuckDB's memory. */
interface VectorView {
  readonly vector: Vector;
  /** The chunk and column, for the value-by-value fallback. */
  readonly chunk: DuckDBDataChunk;
  readonly column: number;
  /** Rows of the chunk to take, from the first. */
  readonly count: number;
  /** Validity bits, or null when every row is valid. */
  readonly validity: Uint8Array | null;
}

/** Builds one Arrow column from the chunks appended to it, until sealed into a record batch's child. */
interface ColumnBuilder {
  append(view: VectorView): void;
  /** The data appended since the last seal, as one Arrow `Data`; the builder starts over. */
  seal(length: number): Data;
  /** Bytes held, so that a batch is sealed before a string column outgrows 32-bit offsets. */
  readonly bytes: number;
}

/** Bytes of `count` items of `width` bytes at the start of the vector's data (a view of DuckDB's memory). */
function vectorBytes(vector: Vector, count: number, width: number): Uint8Array {
  return ddb.vector_get_data(vector, count * width);
}

/** A typed array over existing bytes. */
type ArrayOver<T> = { new (b: ArrayBufferLike, o: number, n: number): T; BYTES_PER_ELEMENT: number };

/** `bytes` as a typed array of `Ctor`, copying only when DuckDB's buffer is not aligned for it. */
function aligned<T>(bytes: Uint8Array, Ctor: ArrayOver<T>): T {
  const source = bytes.byteOffset % Ctor.BYTES_PER_ELEMENT === 0 ? bytes : bytes.slice();
  return new Ctor(source.buffer, source.byteOffset, source.byteLength / Ctor.BYTES_PER_ELEMENT);
}

/** An append-only byte buffer that doubles when full, so chunks are written in place, not kept and joined. */
class GrowingBytes {
  private buffer = new Uint8Array(1 << 16);
  length = 0;

  /** `n` more bytes at the end, to be written; offsets stay aligned to the item width of their caller. */
  extend(n: number): Uint8Array {
    if (this.length + n > this.buffer.length) {
      let size = this.buffer.length * 2;
      while (size < this.length + n) size *= 2;
      const next = new Uint8Array(size);
      next.set(this.buffer.subarray(0, this.length));
      this.buffer = next;
    }
    const at = this.length;
    this.length += n;
    return this.buffer.subarray(at, at + n);
  }

  /** Everything written, as one view; the buffer starts over. */
  take(): Uint8Array {
    const written = this.buffer.subarray(0, this.length);
    this.buffer = new Uint8Array(1 << 16);
    this.length = 0;
    return written;
  }
}

/** Writes `view.count` items of the Arrow representation into `out` (exactly their bytes, aligned). */
type Convert = (view: VectorView, out: Uint8Array) => void;

/** Fixed-width columns: each chunk's items are copied, or converted in one typed-array loop, into one buffer. */
class FixedWidthBuilder implements ColumnBuilder {
  private readonly data = new GrowingBytes();
  private readonly validity = new ValidityRuns();

  constructor(private readonly type: DataType, private readonly width: number, private readonly convert: Convert) {}

  get bytes(): number {
    return this.data.length;
  }

  append(view: VectorView): void {
    this.convert(view, this.data.extend(view.count * this.width));
    this.validity.append(view.validity, view.count);
  }

  seal(length: number): Data {
    const bytes = this.data.take();
    const ArrayType = this.type.ArrayType as ArrayOver<Int8Array>;
    const data = new ArrayType(bytes.buffer, bytes.byteOffset, length);
    return makeData({ type: this.type, length, ...this.validity.seal(length), data } as never);
  }
}

/** The chunk's bytes as they are: DuckDB's layout is Arrow's for these types. */
const copyOf = (width: number): Convert => (view, out) => out.set(vectorBytes(view.vector, view.count, width));

/** Items of `From` widened into `To` (FLOAT → Float64, UTINYINT → Int16), one typed-array loop. */
function widen(From: ArrayOver<ArrayLike<number>>, To: ArrayOver<{ [i: number]: number }>): Convert {
  return (view, out) => {
    const source = aligned(vectorBytes(view.vector, view.count, From.BYTES_PER_ELEMENT), From);
    const target = new To(out.buffer, out.byteOffset, view.count);
    for (let i = 0; i < view.count; i++) target[i] = source[i] as number;
  };
}

/** Unsigned 16/32-bit items as Int64 (low word the value, high word zero), without a BigInt per value. */
function unsignedToInt64(From: ArrayOver<ArrayLike<number>>): Convert {
  return (view, out) => {
    const source = aligned(vectorBytes(view.vector, view.count, From.BYTES_PER_ELEMENT), From);
    const target = new Uint32Array(out.buffer, out.byteOffset, view.count * 2);
    for (let i = 0; i < view.count; i++) { target[2 * i] = source[i] as number; target[2 * i + 1] = 0; }
  };
}

/** HUGEINT as Int64: the low 8 of its 16 bytes, which is what writing the BigInt into an Int64 slot keeps. */
const lowHalvesOf128: Convert = (view, out) => {
  const source = aligned(vectorBytes(view.vector, view.count, 16), Uint32Array);
  const target = new Uint32Array(out.buffer, out.byteOffset, view.count * 2);
  for (let i = 0; i < view.count; i++) { target[2 * i] = source[4 * i] as number; target[2 * i + 1] = source[4 * i + 1] as number; }
};

/**
 * 64-bit integers scaled by `multiply / divide` and truncated towards zero (µs, s, ns → ms), as doubles while the
 * value is exact in one (|v| < 2^53: µs timestamps of years 1685–2255), as a BigInt only past that.
 */
function scaleInt64(multiply: number, divide: number): Convert {
  return (view, out) => {
    const words = aligned(vectorBytes(view.vector, view.count, 8), Int32Array);
    const target = new Int32Array(out.buffer, out.byteOffset, view.count * 2);
    for (let i = 0; i < view.count; i++) {
      const hi = words[2 * i + 1] as number;
      const lo = (words[2 * i] as number) >>> 0;
      const v = (hi * TWO_32 + lo) * multiply;
      if (hi > -0x200000 && hi < 0x200000 && Math.abs(v) <= Number.MAX_SAFE_INTEGER) {
        const scaled = (v - (v % divide)) / divide;
        const high = Math.floor(scaled / TWO_32);
        target[2 * i] = (scaled - high * TWO_32) | 0;
        target[2 * i + 1] = high;
      } else {
        const ms = (((BigInt(hi) << 32n) + BigInt(lo)) * BigInt(multiply)) / BigInt(divide);
        target[2 * i] = Number(BigInt.asIntN(32, ms));
        target[2 * i + 1] = Number(BigInt.asIntN(32, ms >> 32n));
      }
    }
  };
}

/** DECIMAL as Float64: the stored integer (16, 32, 64 or 128 bits by width) divided by 10^scale. */
function decimalToDouble(type: DuckDBDecimalType): Convert {
  const divisor = 10 ** type.scale;
  const width = type.width <= 4 ? 2 : type.width <= 9 ? 4 : type.width <= 18 ? 8 : 16;
  return (view, out) => {
    const bytes = vectorBytes(view.vector, view.count, width);
    const target = new Float64Array(out.buffer, out.byteOffset, view.count);
    if (width === 2 || width === 4) {
      const source = width === 2 ? aligned(bytes, Int16Array) : aligned(bytes, Int32Array);
      for (let i = 0; i < view.count; i++) target[i] = (source[i] as number) / divisor;
    } else if (width === 8) {
      const words = aligned(bytes, Int32Array);
      for (let i = 0; i < view.count; i++) target[i] = ((words[2 * i + 1] as number) * TWO_32 + ((words[2 * i] as number) >>> 0)) / divisor;
    } else {
      const data = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      for (let i = 0; i < view.count; i++) {
        target[i] = Number((data.getBigInt64(16 * i + 8, true) << 64n) + data.getBigUint64(16 * i, true)) / divisor;
      }
    }
  };
}

/** BOOLEAN: DuckDB's one byte per value packed into Arrow's bits (garbage under nulls is masked by validity). */
class BoolBuilder implements ColumnBuilder {
  private runs: BitRun[] = [];
  private readonly validity = new ValidityRuns();
  bytes = 0;

  append(view: VectorView): void {
    const source = vectorBytes(view.vector, view.count, 1);
    const bits = new Uint8Array(Math.ceil(view.count / 8));
    for (let i = 0; i < view.count; i++) if (source[i] !== 0) bits[i >> 3] = (bits[i >> 3] as number) | (1 << (i & 7));
    this.runs.push({ bits, count: view.count });
    this.bytes += bits.byteLength;
    this.validity.append(view.validity, view.count);
  }

  seal(length: number): Data {
    const data = concatBits(this.runs, length);
    this.runs = [];
    this.bytes = 0;
    return makeData({ type: new Bool(), length, ...this.validity.seal(length), data });
  }
}

/** Bytes DuckDB keeps inside the 16-byte string header itself; longer strings sit behind a pointer. */
const INLINE_BYTES = 12;
/**
 * Two heap strings closer than a page are read in one native call: every byte between two readable bytes less than
 * a page apart lies on one of their two pages, so the read never touches unmapped memory.
 */
const MERGE_GAP = 4096;
/** Long strings shorter than this are copied byte by byte; a subarray per string costs more. */
const SHORT_COPY = 64;

/**
 * VARCHAR straight into Arrow's offsets and data. Short strings are copied from the headers; long ones are sorted
 * by address and read in clusters (DuckDB keeps a chunk's strings in a few arena blocks), so a chunk of 2,048
 * strings costs a handful of native calls instead of 2,048, and no string is ever decoded to UTF-16.
 */
class VarcharBuilder implements ColumnBuilder {
  private readonly offsets = new GrowingBytes();
  private readonly data = new GrowingBytes();
  private readonly validity = new ValidityRuns();
  /** Holds the address of a cluster for `get_data_from_pointer`, which reads its pointer from a buffer. */
  private readonly address = new Uint32Array(2);
  /** Per-chunk scratch, reused: row of each long string, its address, and the sort keys. */
  private rows = new Int32Array(0);
  private addresses = new Float64Array(0);
  private keys = new Float64Array(0);
  private end = 0;

  constructor() {
    new Int32Array(this.offsets.extend(4).buffer, 0, 1)[0] = 0;
  }

  get bytes(): number {
    return this.data.length;
  }

  append(view: VectorView): void {
    const { count, validity } = view;
    if (this.rows.length < count) {
      this.rows = new Int32Array(count);
      this.addresses = new Float64Array(count);
      this.keys = new Float64Array(count);
    }
    const headers = vectorBytes(view.vector, count, 16);
    const words = aligned(headers, Uint32Array);
    const offsetBytes = this.offsets.extend(4 * count);
    const offsets = new Int32Array(offsetBytes.buffer, offsetBytes.byteOffset, count);
    const base = this.end;
    let end = base;
    let longCount = 0;
    let sorted = true;
    let low = Infinity;
    let high = 0;
    for (let i = 0; i < count; i++) {
      if (validity === null || bitSet(validity, i)) {
        const length = words[4 * i] as number;
        if (length > INLINE_BYTES) {
          const address = (words[4 * i + 2] as number) + (words[4 * i + 3] as number) * TWO_32;
          if (address < high) sorted = false;
          if (address < low) low = address;
          if (address > high) high = address;
          this.rows[longCount] = i;
          this.addresses[longCount] = address;
          longCount++;
        }
        end += length;
      }
      offsets[i] = end;
    }
    const data = this.data.extend(end - base);
    this.end = end;
    // Row i's bytes start where row i-1's end: offsets hold ends, relative to the batch.
    const startOf = (i: number): number => (i === 0 ? base : (offsets[i - 1] as number)) - base;
    for (let i = 0; i < count; i++) {
      const from = startOf(i);
      const length = (offsets[i] as number) - base - from;
      if (length === 0 || length > INLINE_BYTES) continue;
      const header = 16 * i + 4;
      for (let k = 0; k < length; k++) data[from + k] = headers[header + k] as number;
    }
    const order = this.addressOrder(longCount, sorted, low, high);
    this.readClusters(order, longCount, offsets, base, data);
    this.validity.append(validity, count);
  }

  /** Indexes of the long strings by address: packed into doubles and sorted natively when they fit. */
  private addressOrder(n: number, sorted: boolean, low: number, high: number): Int32Array {
    const order = new Int32Array(n);
    if (sorted) {
      for (let k = 0; k < n; k++) order[k] = k;
      return order;
    }
    const slots = 2 ** Math.ceil(Math.log2(n + 1));
    if ((high - low + 1) * slots < Number.MAX_SAFE_INTEGER) {
      const keys = this.keys.subarray(0, n);
      for (let k = 0; k < n; k++) keys[k] = ((this.addresses[k] as number) - low) * slots + k;
      keys.sort();
      for (let k = 0; k < n; k++) order[k] = (keys[k] as number) % slots;
      return order;
    }
    for (let k = 0; k < n; k++) order[k] = k;
    return order.sort((a, b) => (this.addresses[a] as number) - (this.addresses[b] as number));
  }

  /** Reads the long strings, in address order, one native call per cluster of nearby addresses. */
  private readClusters(order: Int32Array, n: number, offsets: Int32Array, base: number, data: Uint8Array): void {
    const { rows, addresses } = this;
    let s = 0;
    while (s < n) {
      const first = order[s] as number;
      const begin = addresses[first] as number;
      const row0 = rows[first] as number;
      let end = begin + (offsets[row0] as number) - (row0 === 0 ? base : (offsets[row0 - 1] as number));
      let e = s + 1;
      for (; e < n; e++) {
        const k = order[e] as number;
        const address = addresses[k] as number;
        if (address > end + MERGE_GAP) break;
        const row = rows[k] as number;
        const stop = address + (offsets[row] as number) - (row === 0 ? base : (offsets[row - 1] as number));
        if (stop > end) end = stop;
      }
      this.address[0] = begin % TWO_32;
      this.address[1] = Math.floor(begin / TWO_32);
      const block = ddb.get_data_from_pointer(this.address.buffer as ArrayBuffer, 0, end - begin);
      for (let q = s; q < e; q++) {
        const k = order[q] as number;
        const row = rows[k] as number;
        const to = (row === 0 ? base : (offsets[row - 1] as number)) - base;
        const length = (offsets[row] as number) - base - to;
        const from = (addresses[k] as number) - begin;
        if (length < SHORT_COPY) for (let b = 0; b < length; b++) data[to + b] = block[from + b] as number;
        else data.set(block.subarray(from, from + length), to);
      }
      s = e;
    }
  }

  seal(length: number): Data {
    const offsetBytes = this.offsets.take();
    const valueOffsets = new Int32Array(offsetBytes.buffer, offsetBytes.byteOffset, length + 1);
    const data = this.data.take();
    new Int32Array(this.offsets.extend(4).buffer, 0, 1)[0] = 0;
    this.end = 0;
    return makeData({ type: new Utf8(), length, ...this.validity.seal(length), valueOffsets, data });
  }
}

/** Types without a fast path: DuckDB's JS values, one by one, as before (LIST, STRUCT, MAP, UUID, INTERVAL …). */
class ValueBuilder implements ColumnBuilder {
  private values: unknown[] = [];
  bytes = 0;

  constructor(private readonly type: DataType) {}

  append(view: VectorView): void {
    const values = view.chunk.convertColumnValues(view.column, JSDuckDBValueConverter) as JS[];
    for (let i = 0; i < view.count; i++) this.values.push(cellFor(values[i] ?? null, this.type));
  }

  seal(): Data {
    const data = vectorFromArray(this.values, this.type).data[0] as Data;
    this.values = [];
    return data;
  }
}

function builderFor(type: DuckDBType, arrowType: DataType): ColumnBuilder {
  const T = ddb.Type;
  switch (type.typeId as number) {
    case T.BOOLEAN: return new BoolBuilder();
    case T.TINYINT: return new FixedWidthBuilder(arrowType, 1, copyOf(1));
    case T.SMALLINT: return new FixedWidthBuilder(arrowType, 2, copyOf(2));
    case T.INTEGER: case T.DATE: return new FixedWidthBuilder(arrowType, 4, copyOf(4));
    case T.BIGINT: case T.UBIGINT: case T.DOUBLE: case T.TIMESTAMP_MS: return new FixedWidthBuilder(arrowType, 8, copyOf(8));
    case T.HUGEINT: return new FixedWidthBuilder(arrowType, 8, lowHalvesOf128);
    case T.FLOAT: return new FixedWidthBuilder(arrowType, 8, widen(Float32Array, Float64Array));
    case T.UTINYINT: return new FixedWidthBuilder(arrowType, 2, widen(Uint8Array, Int16Array));
    case T.USMALLINT: return new FixedWidthBuilder(arrowType, 8, unsignedToInt64(Uint16Array));
    case T.UINTEGER: return new FixedWidthBuilder(arrowType, 8, unsignedToInt64(Uint32Array));
    case T.TIMESTAMP: case T.TIMESTAMP_TZ: return new FixedWidthBuilder(arrowType, 8, scaleInt64(1, 1000));
    case T.TIMESTAMP_S: return new FixedWidthBuilder(arrowType, 8, scaleInt64(1000, 1));
    case T.TIMESTAMP_NS: return new FixedWidthBuilder(arrowType, 8, scaleInt64(1, 1_000_000));
    case T.DECIMAL: return new FixedWidthBuilder(arrowType, 8, decimalToDouble(type as DuckDBDecimalType));
    case T.VARCHAR: return new VarcharBuilder();
    default: return new ValueBuilder(arrowType);
  }
}

/**
 * Collects DuckDB chunks into Arrow record batches. Rows past a limit are never read; a batch is sealed when a
 * column nears Arrow's 32-bit offsets, so a table is one batch unless its text runs past a gigabyte.
 */
export class ArrowCollector {
  private readonly schema: Schema;
  private readonly builders: ColumnBuilder[];
  private readonly batches: RecordBatch[] = [];
  private pending = 0;
  rowCount = 0;

  constructor(names: readonly string[], types: readonly DuckDBType[]) {
    const sqlTypes = types.map(sqlTypeName);
    const arrowTypes = sqlTypes.map(arrowTypeFor);
    this.schema = new Schema(names.map((name, c) => new Field(name, arrowTypes[c] as DataType, true, new Map([[SQL_TYPE_KEY, sqlTypes[c] as string]]))));
    this.builders = types.map((type, c) => builderFor(type, arrowTypes[c] as DataType));
  }

  /** Appends the chunk's first rows, at most `limit`; returns how many were taken. */
  append(chunk: DuckDBDataChunk, limit: number): number {
    const count = Math.min(chunk.rowCount, limit);
    if (count <= 0) return 0;
    this.builders.forEach((builder, column) => {
      const vector = ddb.data_chunk_get_vector(chunk.chunk, column);
      const validity = ddb.vector_get_validity(vector, Math.ceil(count / 64) * 8) as Uint8Array | null;
      builder.append({ vector, chunk, column, count, validity: validity ?? null });
    });
    this.pending += count;
    this.rowCount += count;
    if (this.builders.some((b) => b.bytes > BATCH_BYTES)) this.seal();
    return count;
  }

  private seal(): void {
    const length = this.pending;
    const children = this.builders.map((b) => b.seal(length));
    const data = makeData({ type: new Struct(this.schema.fields), length, nullCount: 0, children });
    this.batches.push(new RecordBatch(this.schema, data));
    this.pending = 0;
  }

  toTable(): Table {
    if (this.pending > 0 || this.batches.length === 0) this.seal();
    return new Table(this.batches);
  }
}
