/**
 * The vector-by-vector Arrow reader against the value-by-value conversion it replaced: for every type the engine
 * returns, the same schema, the same nulls and the same values, over several chunks, a cut inside a chunk, an
 * empty result, and strings read from Parquet (whose addresses are not in row order).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { DuckDBInstance, JSDuckDBValueConverter, type DuckDBConnection, type JS } from "@duckdb/node-api";
import {
  DateDay, Field, RecordBatch, Schema, Struct, Table, makeData, makeVector, vectorFromArray, type Data, type DataType,
} from "apache-arrow";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Engine } from "../../core/engine.js";
import { duckdbConnector } from "../../engines/duckdb/engine.js";
import { SQL_TYPE_KEY } from "../../core/format.js";
import { arrowTypeFor, cellFor, sqlTypeName } from "../../engines/duckdb/to-arrow.js";

const MS_PER_DAY = 86_400_000;

/** The conversion the engine used before: every value through DuckDB's JS converter, then Arrow's builders. */
async function valueByValue(connection: DuckDBConnection, sql: string, maxRows: number): Promise<Table> {
  const result = await connection.stream(sql);
  const names = result.deduplicatedColumnNames();
  const sqlTypes = result.columnTypes().map(sqlTypeName);
  const types = sqlTypes.map(arrowTypeFor);
  const columns: unknown[][] = names.map(() => []);
  let rows = 0;
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0 || rows >= maxRows) break;
    const take = Math.min(chunk.rowCount, maxRows - rows);
    names.forEach((_n, c) => {
      const values = chunk.convertColumnValues(c, JSDuckDBValueConverter) as JS[];
      for (let i = 0; i < take; i++) (columns[c] as unknown[]).push(cellFor(values[i] ?? null, types[c] as DataType));
    });
    rows += take;
  }
  const fields = names.map((name, c) => new Field(name, types[c] as DataType, true, new Map([[SQL_TYPE_KEY, sqlTypes[c] as string]])));
  const children = names.map((_n, c) => {
    const type = types[c] as DataType;
    const values = columns[c] as unknown[];
    if (!(type instanceof DateDay)) return vectorFromArray(values, type).data[0] as Data;
    const days = new Int32Array(values.length);
    const valid = new Uint8Array(Math.ceil(values.length / 8));
    let nulls = 0;
    values.forEach((v, i) => {
      if (v === null) { nulls++; return; }
      days[i] = Math.floor((v as Date).getTime() / MS_PER_DAY);
      valid[i >> 3] = (valid[i >> 3] as number) | (1 << (i & 7));
    });
    return makeVector(makeData({ type, length: values.length, nullCount: nulls, data: days, nullBitmap: nulls > 0 ? valid : undefined })).data[0] as Data;
  });
  const schema = new Schema(fields);
  return new Table([new RecordBatch(schema, makeData({ type: new Struct(fields), length: rows, nullCount: 0, children }))]);
}

/** What a user of the table sees: the schema with its metadata, null counts, and every value of every column. */
function visible(table: Table): unknown {
  return {
    rows: table.numRows,
    fields: table.schema.fields.map((f) => ({ name: f.name, type: String(f.type), sqlType: f.metadata.get(SQL_TYPE_KEY) })),
    columns: table.schema.fields.map((f) => {
      const column = table.getChild(f.name);
      return { nulls: column?.nullCount, values: column ? [...column] : [] };
    }),
  };
}

const EVERY_TYPE = `
  SELECT i,
    CASE WHEN i % 7 = 0 THEN NULL ELSE (i % 100 - 50)::TINYINT END AS tiny,
    (i * 37 % 60000 - 30000)::SMALLINT AS small,
    CASE WHEN i % 5 = 0 THEN NULL ELSE (i * 7919)::INTEGER END AS int,
    (i * 1000003 - 9000000000)::BIGINT AS big,
    (i * 12345678901)::HUGEINT AS huge,
    ((i * 3) % 200)::UTINYINT AS utiny, (i * 11 % 60000)::USMALLINT AS usmall, (i * 100003)::UINTEGER AS uint,
    (i * 99991)::UBIGINT AS ubig,
    (i / 7.0)::FLOAT AS f, CASE WHEN i % 11 = 0 THEN NULL ELSE i / 3.0 - 100 END AS d,
    (i % 1000 / 10.0 - 50)::DECIMAL(4,1) AS dec4, (i * 1.37)::DECIMAL(9,2) AS dec9,
    (i * 123456.7891 - 99999)::DECIMAL(18,4) AS dec18, (i * 1234567.891011)::DECIMAL(38,6) AS dec38,
    CASE WHEN i % 3 = 0 THEN NULL ELSE i % 2 = 0 END AS flag,
    DATE '1969-12-25' + (i % 400 - 200)::INTEGER AS day,
    CASE WHEN i % 13 = 0 THEN NULL ELSE TIMESTAMP '1969-12-31 23:59:00' + to_microseconds(i * 1234567 - 5000000) END AS ts,
    (TIMESTAMP '2021-03-04 05:06:07.891' + to_microseconds(i * 777))::TIMESTAMPTZ AS tstz,
    (TIMESTAMP '1960-01-01 00:00:01' + to_seconds(i * 5))::TIMESTAMP_S AS ts_s,
    (TIMESTAMP '2001-01-01' - to_milliseconds(i * 3))::TIMESTAMP_MS AS ts_ms,
    (TIMESTAMP '1969-12-31 23:59:59.999' + to_microseconds(i))::TIMESTAMP_NS AS ts_ns,
    CASE WHEN i % 17 = 0 THEN NULL WHEN i % 4 = 0 THEN '' WHEN i % 4 = 1 THEN 'k' || (i % 9)::VARCHAR
         WHEN i % 4 = 2 THEN 'Ünïcødé ✓ 東京 🚀 long text number ' || i::VARCHAR ELSE repeat('x', i % 90) END AS s,
    [i, NULL, i + 1] AS list, {'a': i, 'b': 'v' || i::VARCHAR} AS rec, MAP {'k': i} AS m,
    ('00000000-0000-4000-8000-' || lpad(i::VARCHAR, 12, '0'))::UUID AS id, to_days((i % 30)::INTEGER) AS span, '\\x41\\x00'::BLOB AS bytes,
    (i % 3)::VARCHAR::ENUM('0', '1', '2') AS e, TIME '12:34:56' AS t
  FROM range(5003) r(i)`;

describe("DuckDB → Arrow, vector by vector", () => {
  let instance: DuckDBInstance;
  let connection: DuckDBConnection;
  let engine: Engine;
  let scratch: string;
  let parquetEngine: Engine;

  beforeAll(async () => {
    instance = await DuckDBInstance.create(":memory:");
    connection = await instance.connect();
    engine = await duckdbConnector.connect({ kind: "duckdb", target: ":memory:", name: "t" });
    scratch = await mkdtemp(path.join(tmpdir(), "sl-arrow-"));
    // Strings from a Parquet file come from its dictionary pages: their addresses do not follow the rows.
    await connection.run(`COPY (SELECT i, 'assignee number ' || (hash(i) % 300)::VARCHAR AS who, CASE WHEN i % 9 = 0 THEN NULL ELSE 'short' || (i % 5)::VARCHAR END AS code
      FROM range(20000) r(i)) TO '${path.join(scratch, "people.parquet")}' (FORMAT parquet)`);
    await connection.run(`CREATE VIEW people AS SELECT * FROM read_parquet('${path.join(scratch, "people.parquet")}')`);
    parquetEngine = await duckdbConnector.connect({ kind: "duckdb", target: scratch, name: "p" });
  });

  afterAll(async () => {
    await engine.close();
    await parquetEngine.close();
    connection.closeSync();
    instance.closeSync();
    await rm(scratch, { recursive: true, force: true });
  });

  const same = async (sql: string, maxRows = 1_000_000, on = (): Engine => engine): Promise<Table> => {
    const fast = await on().execute(sql, { maxRows });
    expect(visible(fast.table)).toEqual(visible(await valueByValue(connection, sql, maxRows)));
    return fast.table;
  };

  it("gives the same table for every type, with nulls, over several chunks", async () => {
    const table = await same(EVERY_TYPE);
    expect(table.numRows).toBe(5003);
    expect(table.getChild("s")?.get(2)).toBe("Ünïcødé ✓ 東京 🚀 long text number 2");
    expect(table.getChild("int")?.nullCount).toBe(1001);
    expect(table.schema.fields.find((f) => f.name === "dec9")?.metadata.get(SQL_TYPE_KEY)).toBe("DECIMAL(9,2)");
  });

  it("takes only the rows up to the cap, also inside a chunk", async () => {
    const table = await same("SELECT i, 'row ' || i::VARCHAR || ' of a longer text' AS s, i % 2 = 0 AS even FROM range(10000) r(i)", 3001);
    expect(table.numRows).toBe(3001);
  });

  it("gives the same empty table when nothing matches", async () => {
    const table = await same("SELECT i, 'x' AS s, DATE '2020-01-01' AS d FROM range(10) r(i) WHERE i < 0");
    expect(table.numRows).toBe(0);
    expect(table.schema.fields.map((f) => String(f.type))).toEqual(["Int64", "Utf8", "Date32<DAY>"]);
  });

  it("reads strings from Parquet, in any address order, as the same text", async () => {
    const table = await same("SELECT * FROM people ORDER BY hash(i)", 1_000_000, () => parquetEngine);
    expect(table.getChild("code")?.nullCount).toBe(2223);
  });
});
