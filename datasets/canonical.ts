/**
 * The canonical patents schema (../shared/data/patents/canonical/schema.sql) and the merge that builds it from staged
 * sources.
 *
 * Every importer first *stages* its source: rows already mapped to canonical fields, tagged with the source's rank.
 * The merge then groups all staged rows by publication and, per field, keeps the first non-NULL value in rank order
 * (PatentsView bulk tables → PatentsView query extract → Google Patents export), exactly the rule documented in the
 * canonical README. Because staging is kept in `OUT/.import/`, the sources can be imported by separate commands in
 * any order and the result is the same. DuckDB does the grouping, so memory stays bounded by its `memory_limit`.
 */
import type { StagingColumn } from "../engines/duckdb/writer.js";

/** Source ranks: lower wins a field conflict. */
export const SourceRank = {
  patentsviewBulk: 0,
  patentsviewQuery: 1,
  googlePatents: 2,
} as const;
export type SourceRank = (typeof SourceRank)[keyof typeof SourceRank];

/** Canonical tables with their column types, in schema.sql order. */
export const CANONICAL_COLUMNS = {
  patents: [
    ["publication_number", "VARCHAR"],
    ["patent_id", "VARCHAR"],
    ["country", "VARCHAR"],
    ["kind", "VARCHAR"],
    ["title", "VARCHAR"],
    ["abstract", "VARCHAR"],
    ["assignee", "VARCHAR"],
    ["filing_date", "DATE"],
    ["grant_date", "DATE"],
    ["publication_date", "DATE"],
    ["cpc", "VARCHAR"],
    ["num_claims", "INTEGER"],
  ],
  patent_cpc: [
    ["publication_number", "VARCHAR"],
    ["sequence", "INTEGER"],
    ["cpc", "VARCHAR"],
    ["section", "VARCHAR"],
    ["class", "VARCHAR"],
    ["subclass", "VARCHAR"],
    ["type", "VARCHAR"],
  ],
  patent_inventors: [
    ["publication_number", "VARCHAR"],
    ["sequence", "INTEGER"],
    ["name", "VARCHAR"],
  ],
} as const satisfies Record<string, readonly (readonly [string, string])[]>;

export type CanonicalTable = keyof typeof CANONICAL_COLUMNS;
export const CANONICAL_TABLES = Object.keys(CANONICAL_COLUMNS) as CanonicalTable[];

/** Sort order of every canonical file, as in the reference build. */
export const CANONICAL_ORDER: Readonly<Record<CanonicalTable, string>> = {
  patents: "publication_number",
  patent_cpc: "publication_number, sequence",
  patent_inventors: "publication_number, sequence",
};

/** A staged publication: canonical fields before merging. Dates are ISO text; `row_no` orders rows within a source. */
export const STAGED_PATENT_COLUMNS: readonly StagingColumn[] = [
  { name: "src_rank", type: "TINYINT" },
  { name: "row_no", type: "BIGINT" },
  { name: "country", type: "VARCHAR" },
  { name: "number", type: "VARCHAR" },
  { name: "kind", type: "VARCHAR" },
  // a kind fixed by rule (reissue → E, …), used only when no source states one
  { name: "kind_inferred", type: "VARCHAR" },
  { name: "title", type: "VARCHAR" },
  { name: "abstract", type: "VARCHAR" },
  { name: "assignee", type: "VARCHAR" },
  { name: "filing_date", type: "VARCHAR" },
  { name: "grant_date", type: "VARCHAR" },
  { name: "publication_date", type: "VARCHAR" },
  { name: "num_claims", type: "INTEGER" },
];

export const STAGED_CPC_COLUMNS: readonly StagingColumn[] = [
  { name: "src_rank", type: "TINYINT" },
  { name: "country", type: "VARCHAR" },
  { name: "number", type: "VARCHAR" },
  { name: "kind", type: "VARCHAR" },
  { name: "sequence", type: "INTEGER" },
  { name: "cpc", type: "VARCHAR" },
  { name: "section", type: "VARCHAR" },
  { name: "class", type: "VARCHAR" },
  { name: "subclass", type: "VARCHAR" },
  { name: "type", type: "VARCHAR" },
];

/** `sequence` orders names within a publication; it is renumbered 0.. on merge (ties broken by name). */
export const STAGED_INVENTOR_COLUMNS: readonly StagingColumn[] = [
  { name: "src_rank", type: "TINYINT" },
  { name: "country", type: "VARCHAR" },
  { name: "number", type: "VARCHAR" },
  { name: "kind", type: "VARCHAR" },
  { name: "sequence", type: "INTEGER" },
  { name: "name", type: "VARCHAR" },
];

/** Names of the staged tables inside an import's working database and of the staged files in `OUT/.import/<id>/`. */
export const STAGED_TABLES = { patents: "st_patents", cpc: "st_cpc", inventors: "st_inventors" } as const;

/**
 * The merge key of a publication. US numbers identify one publication across sources even when only one of them states
 * the kind (the query extract has none), so US rows merge on (country, number); other offices publish an application
 * and its grant under one number (CN-…-A, CN-…-B), so there the kind is part of the key.
 */
const KIND_KEY = "CASE WHEN country = 'US' THEN '' ELSE coalesce(kind, '') END";

/** One staged source in merge order (`seq` breaks ties between sources of equal rank: earlier import wins). */
export interface StagedSource {
  readonly seq: number;
  readonly patents: string;
  readonly cpc: string;
  readonly inventors: string;
}

function unionOf(sources: readonly StagedSource[], file: "patents" | "cpc" | "inventors", lit: (s: string) => string): string {
  return sources.map((s) => `SELECT ${s.seq} AS src_seq, * FROM read_parquet(${lit(s[file])})`).join("\nUNION ALL BY NAME\n");
}

/**
 * SQL statements that create the merged tables `m_patents`, `m_cpc`, `m_inventors` (canonical columns) from staged
 * Parquet files. `lit` quotes a path as an SQL string.
 */
export function mergeStatements(sources: readonly StagedSource[], lit: (s: string) => string): string[] {
  // order within a field: source rank, then import order, then row order in the source
  const ord = "(src_rank::BIGINT * 1000000 + src_seq) * 1099511627776 + row_no";
  const pick = (col: string) => `arg_min(${col}, ord) FILTER (WHERE ${col} IS NOT NULL)`;
  return [
    `CREATE OR REPLACE TEMP TABLE s_patents AS SELECT *, ${KIND_KEY} AS kkey, ${ord} AS ord FROM (${unionOf(sources, "patents", lit)})`,
    `CREATE OR REPLACE TEMP TABLE g_patents AS
      SELECT country, number, kkey,
        CASE WHEN kkey <> '' THEN kkey ELSE coalesce(${pick("kind")}, ${pick("kind_inferred")}) END AS kind,
        ${pick("title")} AS title, ${pick("abstract")} AS abstract, ${pick("assignee")} AS assignee,
        TRY_CAST(${pick("filing_date")} AS DATE) AS filing_date, TRY_CAST(${pick("grant_date")} AS DATE) AS grant_date,
        TRY_CAST(${pick("publication_date")} AS DATE) AS publication_date, ${pick("num_claims")} AS num_claims,
        (count(DISTINCT title) > 1)::INT + (count(DISTINCT assignee) > 1)::INT + (count(DISTINCT grant_date) > 1)::INT
          + (count(DISTINCT kind) > 1)::INT AS conflicts
      FROM s_patents GROUP BY country, number, kkey`,
    // children come whole from the best-ranked source that has any for the publication
    `CREATE OR REPLACE TEMP TABLE s_cpc AS
      SELECT *, ${KIND_KEY} AS kkey FROM (${unionOf(sources, "cpc", lit)})
      QUALIFY src_rank * 1000000 + src_seq = min(src_rank * 1000000 + src_seq) OVER (PARTITION BY country, number, ${KIND_KEY})`,
    `CREATE OR REPLACE TEMP TABLE s_inventors AS
      SELECT *, ${KIND_KEY} AS kkey FROM (${unionOf(sources, "inventors", lit)})
      QUALIFY src_rank * 1000000 + src_seq = min(src_rank * 1000000 + src_seq) OVER (PARTITION BY country, number, ${KIND_KEY})`,
    `CREATE OR REPLACE TEMP TABLE first_cpc AS
      SELECT country, number, kkey, arg_min(cpc, (sequence, cpc, section, class, subclass)) AS cpc
      FROM s_cpc WHERE type = 'inventional' GROUP BY ALL`,
    `CREATE OR REPLACE TEMP TABLE m_keys AS
      SELECT country, number, kkey,
        country || '-' || number || CASE WHEN kind IS NULL THEN '' ELSE '-' || kind END AS publication_number
      FROM g_patents`,
    `CREATE OR REPLACE TEMP TABLE m_patents AS
      SELECT k.publication_number, g.number AS patent_id, g.country, g.kind, coalesce(g.title, '') AS title, g.abstract,
        g.assignee, g.filing_date, g.grant_date, g.publication_date, f.cpc, g.num_claims::INTEGER AS num_claims,
        g.conflicts, g.title IS NULL AS no_title
      FROM g_patents g JOIN m_keys k USING (country, number, kkey) LEFT JOIN first_cpc f USING (country, number, kkey)`,
    `CREATE OR REPLACE TEMP TABLE m_cpc AS
      SELECT k.publication_number, c.sequence::INTEGER AS sequence, c.cpc, c.section, c.class, c.subclass, c.type
      FROM s_cpc c JOIN m_keys k USING (country, number, kkey)`,
    `CREATE OR REPLACE TEMP TABLE m_inventors AS
      SELECT k.publication_number, (row_number() OVER (PARTITION BY k.publication_number ORDER BY i.sequence, i.name) - 1)::INTEGER AS sequence, i.name
      FROM s_inventors i JOIN m_keys k USING (country, number, kkey)`,
  ];
}

/** The SELECT that writes one canonical table from the merged tables (rows without a publication date cannot be kept: it is NOT NULL). */
export function canonicalSelect(table: CanonicalTable): string {
  const cols = CANONICAL_COLUMNS[table].map(([name]) => `"${name}"`).join(", ");
  switch (table) {
    case "patents":
      return `SELECT ${cols} FROM m_patents WHERE publication_date IS NOT NULL`;
    case "patent_cpc":
      return `SELECT ${cols} FROM m_cpc WHERE publication_number IN (SELECT publication_number FROM m_patents WHERE publication_date IS NOT NULL)`;
    case "patent_inventors":
      return `SELECT ${cols} FROM m_inventors WHERE publication_number IN (SELECT publication_number FROM m_patents WHERE publication_date IS NOT NULL)`;
  }
}
