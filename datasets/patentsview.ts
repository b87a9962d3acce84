/**
 * PatentsView sources → staged canonical rows.
 *
 * Two shapes are recognised in a folder: the bulk download tables (`g_patent`, `g_patent_abstract`,
 * `g_assignee_disambiguated`, `g_cpc_current`, `g_inventor_disambiguated`, as `.tsv` or `.csv`, also under a
 * `<prefix>_patent.csv` style name such as the NVIDIA subset's `nvidia_patent.csv`) and a legacy API query extract
 * (`patent_number, patent_title, patent_date[, patent_abstract]`). Mapping rules: canonical README, "Mapping decisions".
 */
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { UsageError } from "../core/errors.js";
import type { ParquetWorkbench, RowSink } from "../engines/duckdb/writer.js";
import { STAGED_PATENT_COLUMNS, STAGED_TABLES, SourceRank } from "./canonical.js";
import { delimiterFor, readHeader, readRecords } from "./csv.js";
import { clean } from "./text.js";

/** The bulk tables by role, and how a file name announces each. */
const BULK_ROLES = {
  patent: /(^|_)patent\.(tsv|csv)$/i,
  abstract: /(^|_)patent_abstract\.(tsv|csv)$/i,
  assignee: /(^|_)assignee(_disambiguated)?\.(tsv|csv)$/i,
  cpc: /(^|_)cpc(_current)?\.(tsv|csv)$/i,
  inventor: /(^|_)inventor(_disambiguated)?\.(tsv|csv)$/i,
} as const;
type BulkRole = keyof typeof BULK_ROLES;

const QUERY_COLUMNS = ["patent_number", "patent_title", "patent_date"] as const;

/** What a PatentsView folder holds. */
export interface PatentsViewFolder {
  readonly bulk?: Readonly<Partial<Record<BulkRole, string>>> & { readonly patent: string };
  readonly queryExtracts: readonly string[];
}

/** Finds the bulk tables and query extracts in `dir`; fails with a hint when there is neither. */
export async function scanPatentsViewFolder(dir: string): Promise<PatentsViewFolder> {
  let names: string[];
  try {
    names = (await readdir(dir)).sort();
  } catch (e) {
    throw new UsageError(`Cannot read the folder ${dir}.`, "Pass the folder that holds the PatentsView g_*.tsv files (unzipped).", { dir, cause: String(e) });
  }
  const bulk: Partial<Record<BulkRole, string>> = {};
  const queryExtracts: string[] = [];
  for (const name of names) {
    if (!/\.(tsv|csv)$/i.test(name)) continue;
    const path = join(dir, name);
    const role = (["abstract", "patent", "assignee", "cpc", "inventor"] as const).find((r) => BULK_ROLES[r].test(name));
    if (role !== undefined && bulk[role] === undefined) {
      bulk[role] = path;
      continue;
    }
    const header = await readHeader(path, { delimiter: delimiterFor(path) });
    if (QUERY_COLUMNS.every((c) => header.includes(c))) queryExtracts.push(path);
  }
  const { patent } = bulk;
  if (patent === undefined && queryExtracts.length === 0) {
    const zipped = names.some((n) => n.endsWith(".zip"));
    throw new UsageError(
      `No PatentsView tables found in ${dir}.`,
      zipped
        ? "Unzip the downloaded g_*.tsv.zip files into the folder first."
        : "Expected g_patent.tsv (plus g_patent_abstract, g_assignee_disambiguated, g_cpc_current, g_inventor_disambiguated) or an API extract with patent_number, patent_title, patent_date.",
      { dir, files: names.slice(0, 20) },
    );
  }
  if (patent === undefined && Object.keys(bulk).length > 0) {
    throw new UsageError(`${dir} has PatentsView side tables but no g_patent table.`, "Add g_patent.tsv to the folder; the other tables only extend its rows.", { dir });
  }
  return { ...(patent !== undefined ? { bulk: { ...bulk, patent } } : {}), queryExtracts };
}

/**
 * PatentsView ids → Google/DOCDB-style numbers: utility `05255349` → `5255349`, design `D515086`, reissue `RE36823`,
 * SIR `H002215` → `H2215` (leading zeros after the prefix dropped, as Google writes them).
 */
export function normaliseUsNumber(raw: string): string {
  const id = raw.trim();
  if (/^\d+$/.test(id)) return id.replace(/^0+(?=\d)/, "");
  // a legacy id with a stray trailing digit; the record is statutory invention registration H1415 (canonical README)
  if (id === "H0014150") return "H1415";
  const m = /^([A-Z]+)0*(\d+)$/.exec(id);
  if (!m) throw new UsageError(`Unrecognised PatentsView patent id ${JSON.stringify(raw)}.`, "Expected digits (utility) or a prefix like D, RE, PP, H followed by digits; check the file's patent_id column.", { id: raw });
  return `${m[1]}${m[2]}`;
}

/** USPTO XML kinds written the way Google Patents writes them (S1 → S, E1 → E, H1 → H); others kept. */
const PV_KIND: Readonly<Record<string, string>> = { S1: "S", E1: "E", H1: "H" };

export function pvKind(wipoKind: string): string | null {
  const k = clean(wipoKind);
  return k === null ? null : (PV_KIND[k] ?? k);
}

/**
 * The kind fixed by rule when no source states it: reissue → E, SIR → H, design → S, and a utility patent granted
 * before 2001-01-02 → A (the USPTO used no other kind for granted utility patents before WIPO ST.16 codes).
 */
export function inferredKind(number: string, grantDate: string | null): string | null {
  if (number.startsWith("RE")) return "E";
  if (number.startsWith("H")) return "H";
  if (number.startsWith("D")) return "S";
  if (/^\d+$/.test(number) && grantDate !== null && grantDate < "2001-01-02") return "A";
  return null;
}

/**
 * The query extract stores some fields CSV-quoted twice (`" A ""Barometer"" Neuron … "`): remove the outer quotes
 * and undouble the inner ones.
 */
export function unquoteTwiceQuoted(value: string): string {
  const s = value.trim();
  if (s.length >= 2 && s.startsWith('"') && s.endsWith('"')) return s.slice(1, -1).replaceAll('""', '"').trim();
  return s;
}

function joinName(first: string | undefined, last: string | undefined): string {
  return [clean(first ?? ""), clean(last ?? "")].filter((p) => p !== null).join(" ");
}

function intOrNull(value: string | undefined): number | null {
  const v = clean(value ?? "");
  if (v === null || !/^-?\d+$/.test(v)) return null;
  return Number(v);
}

/** Counts reported back to the user. */
export interface StageCounts {
  patents: number;
  cpc: number;
  inventors: number;
  /** Rows that referred to a patent id absent from the patent table (skipped). */
  orphans: number;
  /** Duplicate rows of one id dropped (Google exports list a publication once per search). */
  duplicates: number;
}

async function stream(path: string, required: readonly string[], sink: RowSink, map: (rec: Readonly<Record<string, string>>) => (string | number | null)[]): Promise<void> {
  for await (const rec of readRecords(path, { delimiter: delimiterFor(path) }, required)) sink.append(map(rec));
}

/** Stages the bulk tables into `st_*` tables of the workbench (which must already exist). */
export async function stagePatentsViewBulk(bench: ParquetWorkbench, files: NonNullable<PatentsViewFolder["bulk"]>): Promise<StageCounts> {
  let rowNo = 0;
  const patent = await bench.createTable("pv_patent", [
    { name: "row_no", type: "BIGINT" },
    { name: "patent_id", type: "VARCHAR" },
    { name: "number", type: "VARCHAR" },
    { name: "kind", type: "VARCHAR" },
    { name: "title", type: "VARCHAR" },
    { name: "grant_date", type: "VARCHAR" },
    { name: "num_claims", type: "INTEGER" },
  ]);
  await stream(files.patent, ["patent_id", "patent_date", "patent_title", "wipo_kind"], patent, (r) => [
    rowNo++,
    (r["patent_id"] ?? "").trim(),
    normaliseUsNumber(r["patent_id"] ?? ""),
    pvKind(r["wipo_kind"] ?? ""),
    clean(r["patent_title"] ?? ""),
    clean(r["patent_date"] ?? ""),
    intOrNull(r["num_claims"]),
  ]);
  patent.close();

  const abstract = await bench.createTable("pv_abstract", [
    { name: "row_no", type: "BIGINT" },
    { name: "patent_id", type: "VARCHAR" },
    { name: "abstract", type: "VARCHAR" },
  ]);
  if (files.abstract) {
    await stream(files.abstract, ["patent_id", "patent_abstract"], abstract, (r) => [rowNo++, (r["patent_id"] ?? "").trim(), clean(r["patent_abstract"] ?? "")]);
  }
  abstract.close();

  const assignee = await bench.createTable("pv_assignee", [
    { name: "row_no", type: "BIGINT" },
    { name: "patent_id", type: "VARCHAR" },
    { name: "seq", type: "INTEGER" },
    { name: "name", type: "VARCHAR" },
  ]);
  if (files.assignee) {
    await stream(files.assignee, ["patent_id", "assignee_sequence", "disambig_assignee_organization"], assignee, (r) => [
      rowNo++,
      (r["patent_id"] ?? "").trim(),
      intOrNull(r["assignee_sequence"]),
      // an organisation, else the individual's "first last"
      clean(r["disambig_assignee_organization"] ?? "") ?? clean(joinName(r["disambig_assignee_individual_name_first"], r["disambig_assignee_individual_name_last"])),
    ]);
  }
  assignee.close();

  const cpc = await bench.createTable("pv_cpc", [
    { name: "patent_id", type: "VARCHAR" },
    { name: "seq", type: "INTEGER" },
    { name: "cpc", type: "VARCHAR" },
    { name: "section", type: "VARCHAR" },
    { name: "class", type: "VARCHAR" },
    { name: "subclass", type: "VARCHAR" },
    { name: "type", type: "VARCHAR" },
  ]);
  if (files.cpc) {
    await stream(files.cpc, ["patent_id", "cpc_sequence", "cpc_group", "cpc_section", "cpc_class", "cpc_subclass", "cpc_type"], cpc, (r) => [
      (r["patent_id"] ?? "").trim(),
      intOrNull(r["cpc_sequence"]),
      (r["cpc_group"] ?? "").trim(),
      (r["cpc_section"] ?? "").trim(),
      (r["cpc_class"] ?? "").trim(),
      (r["cpc_subclass"] ?? "").trim(),
      (r["cpc_type"] ?? "").trim(),
    ]);
  }
  cpc.close();

  const inventor = await bench.createTable("pv_inventor", [
    { name: "patent_id", type: "VARCHAR" },
    { name: "seq", type: "INTEGER" },
    { name: "name", type: "VARCHAR" },
  ]);
  if (files.inventor) {
    await stream(files.inventor, ["patent_id", "inventor_sequence"], inventor, (r) => [
      (r["patent_id"] ?? "").trim(),
      intOrNull(r["inventor_sequence"]),
      joinName(r["disambig_inventor_name_first"], r["disambig_inventor_name_last"]),
    ]);
  }
  inventor.close();

  const rank = SourceRank.patentsviewBulk;
  await bench.run(`INSERT INTO ${STAGED_TABLES.patents}
    SELECT ${rank}, p.row_no, 'US', p.number, p.kind, NULL, p.title, a.abstract, s.name, NULL, p.grant_date, p.grant_date, p.num_claims
    FROM pv_patent p
    LEFT JOIN (SELECT patent_id, abstract FROM pv_abstract QUALIFY row_number() OVER (PARTITION BY patent_id ORDER BY row_no DESC) = 1) a USING (patent_id)
    LEFT JOIN (SELECT patent_id, name FROM pv_assignee QUALIFY row_number() OVER (PARTITION BY patent_id ORDER BY seq, row_no) = 1) s USING (patent_id)`);
  await bench.run(`INSERT INTO ${STAGED_TABLES.cpc}
    SELECT ${rank}, 'US', p.number, p.kind, c.seq, c.cpc, c.section, c.class, c.subclass, c.type FROM pv_cpc c JOIN pv_patent p USING (patent_id)`);
  await bench.run(`INSERT INTO ${STAGED_TABLES.inventors}
    SELECT ${rank}, 'US', p.number, p.kind, i.seq, i.name FROM pv_inventor i JOIN pv_patent p USING (patent_id)`);
  const [counts] = await bench.query(`SELECT
      (SELECT count(*) FROM pv_patent)::INTEGER AS patents,
      (SELECT count(*) FROM pv_cpc)::INTEGER AS cpc,
      (SELECT count(*) FROM pv_inventor)::INTEGER AS inventors,
      ((SELECT count(*) FROM pv_cpc ANTI JOIN pv_patent USING (patent_id)) + (SELECT count(*) FROM pv_inventor ANTI JOIN pv_patent USING (patent_id)))::INTEGER AS orphans`);
  await bench.run("DROP TABLE pv_patent; DROP TABLE pv_abstract; DROP TABLE pv_assignee; DROP TABLE pv_cpc; DROP TABLE pv_inventor");
  return { patents: Number(counts?.["patents"] ?? 0), cpc: Number(counts?.["cpc"] ?? 0), inventors: Number(counts?.["inventors"] ?? 0), orphans: Number(counts?.["orphans"] ?? 0), duplicates: 0 };
}

/** Stages legacy API query extracts (no kind, assignee or inventors) into `st_patents`. */
export async function stagePatentsViewQuery(bench: ParquetWorkbench, files: readonly string[]): Promise<StageCounts> {
  const sink = await bench.createTable("pq_rows", STAGED_PATENT_COLUMNS);
  let rowNo = 0;
  for (const file of files) {
    await stream(file, QUERY_COLUMNS, sink, (r) => {
      const number = normaliseUsNumber(r["patent_number"] ?? "");
      const date = clean(r["patent_date"] ?? "");
      return [
        SourceRank.patentsviewQuery,
        rowNo++,
        "US",
        number,
        null,
        inferredKind(number, date),
        clean(unquoteTwiceQuoted(r["patent_title"] ?? "")),
        clean(unquoteTwiceQuoted(r["patent_abstract"] ?? "")),
        null,
        null,
        date,
        date, // a grant is published on its grant date
        null,
      ];
    });
  }
  sink.close();
  await bench.run(`INSERT INTO ${STAGED_TABLES.patents} SELECT * FROM pq_rows; DROP TABLE pq_rows`);
  return { patents: sink.count, cpc: 0, inventors: 0, orphans: 0, duplicates: 0 };
}
