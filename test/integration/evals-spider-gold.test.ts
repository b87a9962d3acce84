import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SHARED_DATA } from "../support/paths.js";
import { compareResults, isOrdered } from "../../evals/compare.js";
import type { EvalCase, EvalSource } from "../../evals/harness.js";
import { loadSpiderDev, sqliteFile } from "../../evals/spider/dataset.js";
import { openSpiderSource } from "../../evals/spider/source.js";
import { openSqlite } from "../../evals/spider/sqlite.js";

const SPIDER = path.join(SHARED_DATA, "spider");

// Every runnable gold query of Spider dev, converted and translated, on the real DuckDB engine; SQLite (sql.js)
// runs the original as the reference.
describe("Spider gold SQL on DuckDB", () => {
  let cache: string;
  let cases: readonly EvalCase[];
  const sources = new Map<string, EvalSource>();

  beforeAll(async () => {
    cache = await mkdtemp(path.join(tmpdir(), "spider-cache-"));
    const dev = await loadSpiderDev(SPIDER);
    cases = dev.cases;
    expect(dev.total).toBe(1034);
    expect(Object.fromEntries(dev.missing)).toEqual({ wta_1: 62 });
    for (const db of new Set(cases.map((c) => c.source))) sources.set(db, await openSpiderSource(SPIDER, cache, db));
  });
  afterAll(async () => {
    for (const source of sources.values()) await source.close();
    await rm(cache, { recursive: true, force: true });
  });

  it("converts each database to one Parquet file per SQLite table", async () => {
    const files = await readdir(path.join(cache, "world_1"));
    expect(files.filter((f) => f.endsWith(".parquet")).sort()).toEqual(["city.parquet", "country.parquet", "countrylanguage.parquet"]);
    const catalog = await sources.get("car_1")?.engine.catalog();
    const cars = catalog?.tables.find((t) => t.name === "cars_data");
    // SQLite declares MPG as TEXT; its values are numbers (and the word "null"), so DuckDB gets a number column.
    expect(cars?.columns.find((c) => c.name === "MPG")?.type).toBe("DOUBLE");
    expect(cars?.columns.find((c) => c.name === "Year")?.type).toBe("BIGINT");
  });

  it("runs at least 970 of the 972 gold queries on DuckDB, and at least 920 give SQLite's rows", async () => {
    let onDuckdb = 0;
    let agree = 0;
    const disagree: string[] = [];
    const sqlite = new Map<string, Awaited<ReturnType<typeof openSqlite>>>();
    for (const item of cases) {
      const source = sources.get(item.source) as EvalSource;
      const gold = await source.gold(item.goldSql);
      if (gold.engine !== "duckdb") continue;
      onDuckdb++;
      let reference = sqlite.get(item.source);
      if (!reference) sqlite.set(item.source, (reference = await openSqlite(sqliteFile(SPIDER, item.source))));
      const rows = reference.query(item.goldSql);
      if (compareResults({ columns: rows.columns, rows: rows.rows }, gold, isOrdered(item.goldSql)).match) agree++;
      else disagree.push(item.id);
    }
    for (const db of sqlite.values()) db.close();
    // The rest are ties cut by LIMIT (each engine keeps another row) and car_1's numbers stored as text, which
    // SQLite compares as strings.
    expect(onDuckdb).toBeGreaterThanOrEqual(970);
    expect(agree).toBeGreaterThanOrEqual(920);
  });

  it("falls back to SQLite's rows for a gold query DuckDB cannot run", async () => {
    const gold = await sources.get("student_transcripts_tracking")?.gold("SELECT avg(transcript_date) FROM Transcripts");
    expect(gold?.engine).toBe("sqlite");
    expect(gold?.rows).toHaveLength(1);
    expect(gold?.rules[0]).toMatch(/^duckdb-failed: .*avg/);
  });

  it("gives the same gold rows on a second run, but for a few ties that DuckDB's parallel aggregation breaks anew", async () => {
    const tied = cases.filter((c) => /order by count\(\*\) desc limit 1/i.test(c.goldSql)).slice(0, 40);
    const unstable: string[] = [];
    for (const item of tied) {
      const source = sources.get(item.source) as EvalSource;
      const first = await source.gold(item.goldSql);
      const second = await source.gold(item.goldSql);
      if (!compareResults(first, second, true).match) unstable.push(item.id);
    }
    // Seen: flight_2's dev-229/230 (airlines tied on flight count). Such a question may score either way.
    expect(unstable.length, unstable.join(", ")).toBeLessThanOrEqual(4);
  });
});
