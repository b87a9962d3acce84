import { readFile } from "node:fs/promises";
import path from "node:path";
import type { Catalog } from "../core/catalog.js";
import { UsageError } from "../core/errors.js";
import type { QueryChecker } from "../core/verdict.js";
import { seededSample, seededShuffle } from "../evals/sample.js";
import { loadSpiderDev } from "../evals/spider/dataset.js";
import { systemPrompt } from "../models/generator.js";
import type { SchemaProfile } from "../models/profile.js";
import type { PromptSet } from "../models/prompts.js";
import { sqlOnOneLine } from "../models/statement.js";

/** A question with its SQL and the schema it is asked on. */
export interface SchemaPair {
  readonly id: string;
  readonly question: string;
  readonly sql: string;
  readonly catalog: Catalog;
  readonly profile: SchemaProfile;
}

/** One training example as the trainer reads it: the chat turns the generator sends, and the answer to learn. */
export interface TrainingRecord {
  readonly id: string;
  readonly source: "domain" | "public";
  readonly messages: readonly { readonly role: "system" | "user"; readonly content: string }[];
  readonly answer: string;
}

/**
 * Spider samples that StreamLink's reports evaluate (`eval spider --limit N --seed S`): their questions never become
 * public training pairs, so an adapter is not measured on what it learnt. An evaluation of an adapter on Spider
 * uses one of these samples.
 */
export const SPIDER_EVAL_SAMPLES: readonly { readonly limit: number; readonly seed: number }[] = [
  { limit: 300, seed: 1 }, { limit: 100, seed: 2 }, { limit: 100, seed: 3 },
];

/**
 * The pairs as the generator would ask them: its own system prompt with the schema trimmed to the tables the SQL
 * reads (short sequences train faster on a CPU), the question prompt without examples or hints, and the SQL on one
 * line with its semicolon, as the generator reads an answer. A pair whose tables the checker cannot tell is left out.
 */
export async function trainingRecords(pairs: readonly SchemaPair[], source: TrainingRecord["source"], checker: QueryChecker, prompts: PromptSet): Promise<TrainingRecord[]> {
  const records: TrainingRecord[] = [];
  for (const pair of pairs) {
    const read = await checker.tablesRead(pair.sql, { dialect: pair.profile.dialect, catalog: pair.catalog });
    if (!read || read.length === 0) continue;
    const keep = new Set(read.map((t) => t.name));
    records.push({
      id: pair.id,
      source,
      messages: [
        { role: "system", content: systemPrompt(prompts, pair.profile, keep, []) },
        { role: "user", content: prompts.render("question", { examples: "", hints: "", question: pair.question.trim() }) },
      ],
      answer: `${sqlOnOneLine(pair.sql)};`,
    });
  }
  return records;
}

/**
 * Domain and public records 1:1 (the paper's best mix), alternating so that any prefix a budget reaches is mixed
 * too; each side in an order fixed by `seed`, the longer side cut to the shorter one's length.
 */
export function mixOneToOne(domain: readonly TrainingRecord[], publicPairs: readonly TrainingRecord[], seed: number): TrainingRecord[] {
  const a = seededShuffle(domain, seed);
  const b = seededShuffle(publicPairs, seed + 1);
  const n = Math.min(a.length, b.length);
  return Array.from({ length: n }, (_x, i) => [a[i] as TrainingRecord, b[i] as TrainingRecord]).flat();
}

interface SpiderTables {
  readonly db_id: string;
  readonly table_names_original: readonly string[];
  readonly column_names_original: readonly (readonly [number, string])[];
  readonly column_types: readonly string[];
}

/**
 * Public NL→SQL pairs: Spider's dev questions (the only public set on this machine; its training split is not), less
 * every question of {@link SPIDER_EVAL_SAMPLES}. Schemas come from Spider's tables.json (names and types, no values).
 */
export async function spiderPublicPairs(dataDir: string): Promise<SchemaPair[]> {
  const dev = await loadSpiderDev(dataDir);
  const evaluated = new Set(SPIDER_EVAL_SAMPLES.flatMap((s) => seededSample(dev.cases, s.limit, s.seed).map((c) => c.id)));
  const file = path.join(dataDir, "tables.json");
  const parsed: unknown = JSON.parse(await readFile(file, "utf8"));
  if (!Array.isArray(parsed)) throw new UsageError(`${file} is not Spider's tables.json`, "Pass --spider pointing at Spider's folder.", { file });
  const schemas = new Map((parsed as SpiderTables[]).map((db) => [db.db_id, spiderSchema(db)]));
  return dev.cases.flatMap((c) => {
    const schema = schemas.get(c.source);
    return evaluated.has(c.id) || !schema ? [] : [{ id: `spider-${c.id}`, question: c.question, sql: c.goldSql, ...schema }];
  });
}

const SPIDER_TYPES: Readonly<Record<string, string>> = { text: "VARCHAR", number: "DOUBLE", time: "DATE", boolean: "BOOLEAN" };

function spiderSchema(db: SpiderTables): { catalog: Catalog; profile: SchemaProfile } {
  const tables = db.table_names_original.map((name, t) => ({
    name,
    columns: db.column_names_original.flatMap(([owner, column], i) =>
      owner === t ? [{ name: column, type: SPIDER_TYPES[db.column_types[i] ?? ""] ?? "VARCHAR", nullable: true }] : []),
  }));
  return {
    catalog: { tables },
    profile: {
      dialect: "duckdb",
      tables: tables.map((t) => ({ name: t.name, columns: t.columns.map((c) => ({ name: c.name, type: c.type, kind: "other" as const, samples: [] })) })),
    },
  };
}
