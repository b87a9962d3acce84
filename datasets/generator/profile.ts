/**
 * What the generator learns from a real sample in the canonical schema: the joint null pattern of each row (by
 * publication period), publication dates, assignee frequencies with the share of never-seen names, CPC codes per
 * assignee, claims, filing lags, inventors, and the text of titles and abstracts.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { UsageError } from "../../core/errors.js";
import { type ParquetWorkbench, type WorkbenchValue } from "../../engines/duckdb/writer.js";
import { quotedString } from "../../core/sql-text.js";
import type { CanonicalTable } from "../canonical.js";

/** The kind of row a sample row is: which fields it has, by five-year publication period. */
export interface RowShape {
  readonly bucket: number;
  readonly country: string;
  readonly kind: string | null;
  readonly hasAbstract: boolean;
  readonly hasAssignee: boolean;
  readonly hasFiling: boolean;
  readonly hasGrant: boolean;
  readonly hasCpc: boolean;
  readonly hasClaims: boolean;
  readonly hasInventors: boolean;
  readonly count: number;
}

export type Counts<T> = readonly (readonly [T, number])[];

export interface PatentProfile {
  readonly sampleRows: number;
  /** Publication dates as days since 1970-01-01 at quantiles 0, 0.001, …, 1. */
  readonly publicationDayQuantiles: readonly number[];
  readonly shapes: readonly RowShape[];
  readonly assignees: Counts<string>;
  /** Good–Turing estimate of the share of rows whose assignee the sample never saw (singletons / named rows). */
  readonly unseenAssigneeShare: number;
  /** First inventional CPC group per assignee, for the assignees the sample classifies. */
  readonly cpcByAssignee: ReadonlyMap<string, Counts<string>>;
  /** CPC groups by subclass (all patent_cpc rows), for the specialisation of other assignees. */
  readonly cpcBySubclass: ReadonlyMap<string, Counts<string>>;
  readonly cpcRowsPerPatent: Counts<number>;
  /** Share of `inventional` among CPC entries after the first. */
  readonly inventionalShareAfterFirst: number;
  readonly claims: Counts<number>;
  readonly filingLagDays: Counts<number>;
  readonly inventorsPerPatent: Counts<number>;
  readonly inventorFirstNames: Counts<string>;
  readonly inventorLastNames: Counts<string>;
  readonly abstractSentences: Counts<number>;
  readonly titles: readonly string[];
  readonly abstracts: readonly string[];
}

/** The Parquet expression for a canonical table in `dir`: `table.parquet` or a `table/` folder of parts. */
export function parquetSource(dir: string, table: CanonicalTable): string {
  const file = join(dir, `${table}.parquet`);
  if (existsSync(file)) return `read_parquet(${quotedString(file)})`;
  const folder = join(dir, table);
  if (existsSync(folder)) return `read_parquet(${quotedString(join(folder, "*.parquet"))})`;
  throw new UsageError(`No ${table} table in ${dir}.`, `Expected ${table}.parquet or a ${table}/ folder of Parquet files (the output of \`streamlink data import\`).`, { dir, table });
}

const num = (v: WorkbenchValue | undefined): number => (typeof v === "number" ? v : Number(v ?? 0));
const str = (v: WorkbenchValue | undefined): string => (typeof v === "string" ? v : String(v ?? ""));

async function counts<T extends string | number>(bench: ParquetWorkbench, sql: string, conv: (v: WorkbenchValue | undefined) => T): Promise<Counts<T>> {
  const rows = await bench.query(sql);
  return rows.map((r) => [conv(r["v"]), num(r["n"])] as const);
}

/** Reads the sample in `dir` (canonical Parquet) and learns its distributions. */
export async function learnProfile(bench: ParquetWorkbench, dir: string): Promise<PatentProfile> {
  const P = parquetSource(dir, "patents");
  const C = parquetSource(dir, "patent_cpc");
  const I = parquetSource(dir, "patent_inventors");
  await bench.run(`CREATE OR REPLACE TEMP TABLE sp AS SELECT * FROM ${P}`);
  const [total] = await bench.query(`SELECT count(*)::INTEGER AS n FROM sp`);
  const sampleRows = num(total?.["n"]);
  if (sampleRows === 0) throw new UsageError(`The sample in ${dir} has no patents.`, "Point --sample at an imported dataset with rows.", { dir });

  const [q] = await bench.query(`SELECT quantile_disc((publication_date - DATE '1970-01-01')::INTEGER, [${Array.from({ length: 1001 }, (_, k) => (k / 1000).toFixed(3)).join(",")}]) AS q FROM sp`);
  const publicationDayQuantiles = (q?.["q"] as number[] | undefined) ?? [];

  const shapeRows = await bench.query(`SELECT (year(publication_date) // 5 * 5)::INTEGER AS bucket, country, kind,
      abstract IS NOT NULL AS a, assignee IS NOT NULL AS s, filing_date IS NOT NULL AS f, grant_date IS NOT NULL AS g,
      cpc IS NOT NULL AS c, num_claims IS NOT NULL AS m,
      publication_number IN (SELECT publication_number FROM ${I}) AS i, count(*)::INTEGER AS n
    FROM sp GROUP BY ALL ORDER BY ALL`);
  const shapes: RowShape[] = shapeRows.map((r) => ({
    bucket: num(r["bucket"]),
    country: str(r["country"]),
    kind: r["kind"] === null ? null : str(r["kind"]),
    hasAbstract: r["a"] === true,
    hasAssignee: r["s"] === true,
    hasFiling: r["f"] === true,
    hasGrant: r["g"] === true,
    hasCpc: r["c"] === true,
    hasClaims: r["m"] === true,
    hasInventors: r["i"] === true,
    count: num(r["n"]),
  }));

  const assignees = await counts(bench, `SELECT assignee AS v, count(*)::INTEGER AS n FROM sp WHERE assignee IS NOT NULL GROUP BY 1 ORDER BY 2 DESC, 1`, str);
  const named = assignees.reduce((s, [, n]) => s + n, 0);
  const singletons = assignees.filter(([, n]) => n === 1).length;

  const cpcByAssignee = new Map<string, [string, number][]>();
  for (const r of await bench.query(`SELECT assignee, cpc, count(*)::INTEGER AS n FROM sp WHERE assignee IS NOT NULL AND cpc IS NOT NULL GROUP BY ALL ORDER BY ALL`)) {
    const a = str(r["assignee"]);
    const list = cpcByAssignee.get(a) ?? [];
    list.push([str(r["cpc"]), num(r["n"])]);
    cpcByAssignee.set(a, list);
  }
  const cpcBySubclass = new Map<string, [string, number][]>();
  for (const r of await bench.query(`SELECT subclass, cpc, count(*)::INTEGER AS n FROM ${C} GROUP BY ALL ORDER BY ALL`)) {
    const s = str(r["subclass"]);
    const list = cpcBySubclass.get(s) ?? [];
    list.push([str(r["cpc"]), num(r["n"])]);
    cpcBySubclass.set(s, list);
  }
  const cpcRowsPerPatent = await counts(bench, `SELECT k AS v, count(*)::INTEGER AS n FROM (SELECT count(*)::INTEGER AS k FROM ${C} GROUP BY publication_number) GROUP BY 1 ORDER BY 1`, num);
  const [share] = await bench.query(`SELECT coalesce(avg((type = 'inventional')::INTEGER), 0.5)::DOUBLE AS s FROM (SELECT type, row_number() OVER (PARTITION BY publication_number ORDER BY sequence) AS r FROM ${C}) WHERE r > 1`);

  const claims = await counts(bench, `SELECT num_claims AS v, count(*)::INTEGER AS n FROM sp WHERE num_claims IS NOT NULL GROUP BY 1 ORDER BY 1`, num);
  const filingLagDays = await counts(bench, `SELECT greatest(publication_date - filing_date, 0)::INTEGER AS v, count(*)::INTEGER AS n FROM sp WHERE filing_date IS NOT NULL GROUP BY 1 ORDER BY 1`, num);
  const inventorsPerPatent = await counts(bench, `SELECT k AS v, count(*)::INTEGER AS n FROM (SELECT count(*)::INTEGER AS k FROM ${I} GROUP BY publication_number) GROUP BY 1 ORDER BY 1`, num);
  // "First Middle Last": the last word is the family name, the rest the given names
  const inventorFirstNames = await counts(bench, `SELECT regexp_replace(name, '\\s*\\S+$', '') AS v, count(*)::INTEGER AS n FROM ${I} WHERE name LIKE '% %' GROUP BY 1 ORDER BY 2 DESC, 1`, str);
  const inventorLastNames = await counts(bench, `SELECT regexp_extract(name, '(\\S+)$', 1) AS v, count(*)::INTEGER AS n FROM ${I} WHERE name <> '' GROUP BY 1 ORDER BY 2 DESC, 1`, str);
  const abstractSentences = await counts(bench, `SELECT k AS v, count(*)::INTEGER AS n FROM (SELECT greatest(len(regexp_extract_all(abstract, '\\.(\\s|$)')), 1)::INTEGER AS k FROM sp WHERE abstract IS NOT NULL) GROUP BY 1 ORDER BY 1`, num);
  const titles = (await bench.query(`SELECT title FROM sp ORDER BY publication_number`)).map((r) => str(r["title"]));
  const abstracts = (await bench.query(`SELECT abstract FROM sp WHERE abstract IS NOT NULL ORDER BY publication_number`)).map((r) => str(r["abstract"]));
  await bench.run("DROP TABLE sp");

  return {
    sampleRows,
    publicationDayQuantiles,
    shapes,
    assignees,
    unseenAssigneeShare: named > 0 ? singletons / named : 0,
    cpcByAssignee,
    cpcBySubclass,
    cpcRowsPerPatent,
    inventionalShareAfterFirst: num(share?.["s"]),
    claims,
    filingLagDays,
    inventorsPerPatent,
    inventorFirstNames: inventorFirstNames.filter(([v]) => v !== ""),
    inventorLastNames,
    abstractSentences,
    titles,
    abstracts,
  };
}
