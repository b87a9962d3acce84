/**
 * Google Patents search-result exports (`gp-search-*.csv`) → staged canonical rows.
 *
 * An export starts with a `search URL:,…` line, then `id,title,assignee,inventor/author,priority date,
 * filing/creation date,publication date,grant date,result link,representative figure link`. The same publication
 * appears once per search that found it; the first occurrence is kept. Mapping rules: canonical README.
 */
import { UsageError } from "../core/errors.js";
import type { ParquetWorkbench } from "../engines/duckdb/writer.js";
import { STAGED_TABLES, SourceRank } from "./canonical.js";
import { readRecords } from "./csv.js";
import type { StageCounts } from "./patentsview.js";
import { clean } from "./text.js";

const REQUIRED = ["id", "title", "assignee", "inventor/author", "filing/creation date", "publication date", "grant date"] as const;

// Pieces that continue the previous name after splitting a cell on ", " ("Hitachi, Ltd.", "Acme, A Delaware Corporation").
const ORG_SUFFIX =
  /^(inc\.?|inx\.|nc\.|ltd\.?\)?,?|ltd .*|llc\.?|l\.\s?l\.\s?c\.|l\.\s?p\.|lp|llp|l\.l\.p\.|incorporated|limited|n\.\s?v\.|b\.\s?v\.|s\.\s?a\.|s\.\s?l\.|a\.\s?g\.|gmbh|plc|co\.?|corp\.?|s\.p\.a\.|k\.k\.|s\.a\.s\.|s\.r\.l\.|pty\.? ltd\.?|pte\.? ltd\.?|a (limited|corporation|delaware|california|body|company|partnership)\b.*|an? [a-z ]*(corporation|company)\b.*)$/i;
const PERSON_SUFFIX = /^(jr\.?|sr\.?|ii|iii|iv|deceased)$/i;
// A lone Latin word is never a whole assignee in the exports: "Rutgers, The State University …", "Smith, Iii Julius O."
const LATIN_ONE_WORD = /^[A-Za-z][A-Za-z.!&'-]*$/;

/** The first assignee listed in a cell; names themselves contain ", " so suffix pieces are re-attached. */
export function firstGoogleAssignee(cell: string): string | null {
  const c = clean(cell);
  if (c === null) return null;
  const parts = c.split(", ");
  let first = parts[0] ?? "";
  let i = 1;
  if (i < parts.length && LATIN_ONE_WORD.test(first)) first += `, ${parts[i++] ?? ""}`;
  while (i < parts.length) {
    const p = parts[i] ?? "";
    if (!(ORG_SUFFIX.test(p) || PERSON_SUFFIX.test(p.split(";")[0] ?? ""))) break;
    first += `, ${p}`;
    i++;
  }
  return first.replace(/,+$/, "").trim();
}

/** Inventor names in listed order; `Jr.`-style pieces re-attached, exact repeats (JP exports list names twice) dropped. */
export function splitGoogleInventors(cell: string): string[] {
  const c = clean(cell);
  if (c === null) return [];
  const out: string[] = [];
  for (const piece of c.split(",")) {
    const p = piece.trim();
    if (p === "") continue;
    if (out.length > 0 && PERSON_SUFFIX.test(p)) out[out.length - 1] += `, ${p}`;
    else out.push(p);
  }
  return [...new Set(out)];
}

/** `US-2015112182-A1` → country, number, kind. */
export function splitPublicationId(id: string): { country: string; number: string; kind: string | null } {
  const parts = id.trim().split("-");
  const [country, number, kind] = parts;
  if (parts.length < 2 || parts.length > 3 || !country || !number || !/^[A-Z]{2}$/.test(country)) {
    throw new UsageError(`Unrecognised publication id ${JSON.stringify(id)}.`, "Expected Google Patents ids like US-10001996-B2 in the first column of the export.", { id });
  }
  return { country, number, kind: kind === undefined || kind === "" ? null : kind };
}

/** Stages Google exports (in the order given; the first occurrence of an id wins) into the `st_*` tables. */
export async function stageGooglePatents(bench: ParquetWorkbench, files: readonly string[]): Promise<StageCounts> {
  const rows = await bench.createTable("g_rows", [
    { name: "row_no", type: "BIGINT" },
    { name: "id", type: "VARCHAR" },
    { name: "country", type: "VARCHAR" },
    { name: "number", type: "VARCHAR" },
    { name: "kind", type: "VARCHAR" },
    { name: "title", type: "VARCHAR" },
    { name: "assignee", type: "VARCHAR" },
    { name: "filing_date", type: "VARCHAR" },
    { name: "grant_date", type: "VARCHAR" },
    { name: "publication_date", type: "VARCHAR" },
  ]);
  const inventors = await bench.createTable("g_inv", [
    { name: "row_no", type: "BIGINT" },
    { name: "seq", type: "INTEGER" },
    { name: "name", type: "VARCHAR" },
  ]);
  let rowNo = 0;
  for (const file of files) {
    for await (const r of readRecords(file, { delimiter: ",", skipPreamble: "search URL:" }, REQUIRED)) {
      const id = (r["id"] ?? "").trim();
      if (id === "") continue;
      const { country, number, kind } = splitPublicationId(id);
      rows.append([
        rowNo,
        id,
        country,
        number,
        kind,
        clean(r["title"] ?? ""),
        firstGoogleAssignee(r["assignee"] ?? ""),
        clean(r["filing/creation date"] ?? ""),
        clean(r["grant date"] ?? ""),
        clean(r["publication date"] ?? ""),
      ]);
      splitGoogleInventors(r["inventor/author"] ?? "").forEach((name, seq) => inventors.append([rowNo, seq, name]));
      rowNo++;
    }
  }
  rows.close();
  inventors.close();
  const rank = SourceRank.googlePatents;
  await bench.run(`CREATE OR REPLACE TEMP TABLE g_kept AS SELECT * FROM g_rows QUALIFY row_number() OVER (PARTITION BY id ORDER BY row_no) = 1`);
  await bench.run(`INSERT INTO ${STAGED_TABLES.patents}
    SELECT ${rank}, row_no, country, number, kind, NULL, title, NULL, assignee, filing_date, grant_date, publication_date, NULL FROM g_kept`);
  await bench.run(`INSERT INTO ${STAGED_TABLES.inventors}
    SELECT ${rank}, k.country, k.number, k.kind, i.seq, i.name FROM g_inv i JOIN g_kept k USING (row_no)`);
  const [c] = await bench.query(`SELECT (SELECT count(*) FROM g_kept)::INTEGER AS kept, (SELECT count(*) FROM g_rows)::INTEGER AS total,
    (SELECT count(*) FROM g_inv JOIN g_kept USING (row_no))::INTEGER AS inventors`);
  await bench.run("DROP TABLE g_kept; DROP TABLE g_rows; DROP TABLE g_inv");
  const kept = Number(c?.["kept"] ?? 0);
  return { patents: kept, cpc: 0, inventors: Number(c?.["inventors"] ?? 0), orphans: 0, duplicates: Number(c?.["total"] ?? 0) - kept };
}
